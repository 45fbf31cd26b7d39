package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/estate-dev/estate/internal/incidents"
)

func TestIncidentsSyncFlags(t *testing.T) {
	app := &App{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(k string) string {
		return map[string]string{"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r", "GITHUB_API_URL": "http://gh/"}[k]
	}}
	var got *incidents.Options
	cmd := newIncidentsSyncCmd(app, func(_ context.Context, _ *App, o *incidents.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--audit", "a.json", "--dry-run", "--max-new", "7"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Audit != "a.json" || !got.DryRun || got.MaxNew != 7 || got.Token != "t" || got.Repository != "o/r" || got.APIURL != "http://gh/" {
		t.Errorf("%+v", got)
	}
	cmd = newIncidentsSyncCmd(app, func(context.Context, *App, *incidents.Options) error { t.Error("ran without --audit"); return nil })
	cmd.SetArgs(nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("no error without --audit")
	}
}
