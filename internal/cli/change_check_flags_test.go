package cli

import (
	"context"
	"io"
	"testing"
)

// TestChangeCheckFlags: the options each command line gives estate change
// check, apart from running the gate.
func TestChangeCheckFlags(t *testing.T) {
	app := &App{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	run := func(args ...string) (*checkOptions, error) {
		var got *checkOptions
		cmd := changeCheckCmd(app, func(_ context.Context, _ *App, o *checkOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		return got, cmd.Execute()
	}
	o, err := run()
	if err != nil || o.checkName != "estate change" || !o.labels || o.commentAs != "" || o.format != "text" || o.head != "HEAD" {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	o, err = run("--check-name", "gate", "--labels=false", "--comment-as", "my-app[bot]", "--format", "markdown", "--base", "main", "--full")
	if err != nil || o.checkName != "gate" || o.labels || o.commentAs != "my-app[bot]" || o.format != "markdown" || o.base != "main" || !o.full {
		t.Fatalf("flags: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"--format", "sarif"}, {"extra"}} {
		if o, err := run(bad...); err == nil || o != nil {
			t.Errorf("%q ran with %+v (err %v)", bad, o, err)
		}
	}
}
