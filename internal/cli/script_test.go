package cli

import (
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run estate in-process as the "estate" command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"estate": func() {
			app := System()
			app.TTY = false
			if d := os.Getenv("ESTATE_NOW"); d != "" {
				if t, err := time.Parse(time.RFC3339, d); err == nil {
					app.Now = func() time.Time { return t }
				}
			}
			os.Exit(Main(app))
		},
	})
}

// TestScripts runs testdata/script/*.txtar: end-to-end behaviour of the
// command, with golden output. ESTATE_NOW fixes the clock at
// 2026-11-23T12:00:00Z. Set UPDATE_GOLDEN=1 to rewrite cmp files.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_GOLDEN") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("ESTATE_NOW", "2026-11-23T12:00:00Z")
			env.Setenv("CI", "")
			if fx := os.Getenv("ESTATE_FIXTURES"); fx != "" {
				env.Setenv("ESTATE_FIXTURES", fx)
			}
			return nil
		},
	})
}
