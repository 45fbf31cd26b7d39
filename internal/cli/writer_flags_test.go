package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func testApp() *App {
	return &App{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }, dir: "/estate"}
}

func execute(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return cmd.ExecuteContext(context.Background())
}

func TestImportSnipeITFlags(t *testing.T) {
	var got *importOptions
	cmd := newImportSnipeITCmd(testApp(), func(_ context.Context, _ *App, o *importOptions) error { got = o; return nil })
	if err := execute(t, cmd, "a.csv", "--dry-run", "--update", "--map", "m.yaml", "--currency", "EUR", "--date-order", "dmy",
		"--email-domain", "example.org", "--default-owner", "it@example.org", "--max-problems", "5", "--format", "json"); err != nil {
		t.Fatal(err)
	}
	o := got.Options
	if o.File != "a.csv" || o.Dir != "/estate" || !o.DryRun || !o.Update || o.MapFile != "m.yaml" || o.Currency != "EUR" ||
		o.DateOrder != "dmy" || o.EmailDomain != "example.org" || o.DefaultOwner != "it@example.org" || o.BeforeWrite != nil {
		t.Errorf("options: %+v", o)
	}
	if got.format != "json" || got.maxProblem != 5 {
		t.Errorf("format %q, max problems %d", got.format, got.maxProblem)
	}
	got = nil
	if err := execute(t, newImportSnipeITCmd(testApp(), func(_ context.Context, _ *App, o *importOptions) error { got = o; return nil }), "a.csv", "--format", "sarif"); err == nil || got != nil {
		t.Errorf("an unknown format ran the import (err %v)", err)
	}
	if err := execute(t, newImportSnipeITCmd(testApp(), func(context.Context, *App, *importOptions) error { return nil })); err == nil {
		t.Error("no file given, and no error")
	}
}

func TestInitFlags(t *testing.T) {
	var got *initOptions
	run := func(_ context.Context, _ *App, o *initOptions) error { got = o; return nil }
	if err := execute(t, newInitCmdF(testApp(), run), "new", "--no-git"); err != nil {
		t.Fatal(err)
	}
	if got.Dir != filepath.Join("/estate", "new") || !got.NoGit || got.Now.Year() != 2026 {
		t.Errorf("options: %+v", got.InitOptions)
	}
	if err := execute(t, newInitCmdF(testApp(), run), "/abs/dir"); err != nil {
		t.Fatal(err)
	}
	if got.Dir != "/abs/dir" || got.NoGit {
		t.Errorf("options: %+v", got.InitOptions)
	}
}

func TestChangeNewFlags(t *testing.T) {
	var got *newOptions
	run := func(_ context.Context, _ *App, o *newOptions) error { got = o; return nil }
	if err := execute(t, newChangeNewCmdF(testApp(), run), "--id", "CR-0002", "--title", "T", "--type", "emergency", "--risk", "high", "--reason", "R", "--base", "main"); err != nil {
		t.Fatal(err)
	}
	if got.id != "CR-0002" || got.title != "T" || got.typ != "emergency" || got.risk != "high" || got.reason != "R" || got.base != "main" {
		t.Errorf("options: %+v", got)
	}
	got = nil
	for _, bad := range [][]string{{"--type", "routine"}, {"--risk", "extreme"}, {"extra"}} {
		if err := execute(t, newChangeNewCmdF(testApp(), run), bad...); err == nil || got != nil {
			t.Errorf("%v: ran (err %v)", bad, err)
		}
	}
}
