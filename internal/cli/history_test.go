package cli

import (
	"context"
	"io"
	"testing"
)

// TestHistoryFlags: the options each command line gives estate history,
// apart from running it; bad lines never reach it.
func TestHistoryFlags(t *testing.T) {
	app := &App{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }, dir: "/estate"}
	run := func(args ...string) (*historyOptions, error) {
		var got *historyOptions
		cmd := historyCommand(app, func(_ context.Context, _ *App, o *historyOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		return got, err
	}
	o, err := run("LT-00042")
	if err != nil || o.Record != "LT-00042" || o.Rev != "HEAD" || o.Format != "text" || o.Dir != "/estate" || o.Ref != "" {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	o, err = run("inventory/laptop/LT-00042.yaml", "--rev", "v2026.11", "--ref", "refs/estate/l2", "--format", "markdown")
	if err != nil || o.Record != "inventory/laptop/LT-00042.yaml" || o.Rev != "v2026.11" || o.Ref != "refs/estate/l2" || o.Format != "markdown" {
		t.Fatalf("flags: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{}, {"a", "b"}, {"LT-1", "--format", "yaml"}} {
		if o, err := run(bad...); err == nil || o != nil {
			t.Errorf("%q: ran with %+v, err %v", bad, o, err)
		}
	}
}
