package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/estate-dev/estate/internal/problems"
)

func TestProblemsSuggestFlags(t *testing.T) {
	app := &App{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	var got *problems.Options
	cmd := newProblemsSuggestCmd(app, func(_ context.Context, _ *App, o *problems.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--min-devices", "7", "--dry-run", "--facts", "exported"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.MinDevices != 7 || !got.DryRun || got.Facts != "exported" {
		t.Errorf("%+v", got)
	}
	got = nil
	cmd = newProblemsSuggestCmd(app, func(_ context.Context, _ *App, o *problems.Options) error { got = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil || got.MinDevices != problems.DefaultMinDevices || got.DryRun {
		t.Errorf("defaults: %v %+v", err, got)
	}
}
