package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
)

// TestValidateFlags: the validateCommand each command line produces,
// apart from validating.
func TestValidateFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		check   func(*validateCommand) bool
		wantErr string
	}{
		{nil, func(c *validateCommand) bool {
			o := c.Open
			return c.Format == "text" && c.FailOn == record.SevLow && o.Dir == "." && o.Cache == core.CacheReadWrite &&
				o.Rev == "" && len(o.Paths) == 0 && !o.CUEOnly && o.Workers == 0 && !o.Now.IsZero()
		}, ""},
		{[]string{"inventory/laptop", "changes", "--rev", "main", "--no-cache", "--workers", "3", "--cue-only", "--format", "junit", "--fail-on", "critical"},
			func(c *validateCommand) bool {
				o := c.Open
				return strings.Join(o.Paths, " ") == "inventory/laptop changes" && o.Rev == "main" && o.Cache == core.CacheOff &&
					o.Workers == 3 && o.CUEOnly && c.Format == "junit" && c.FailOn == record.SevCritical
			}, ""},
		{[]string{"--changed-since", "origin/main"}, func(c *validateCommand) bool { return c.Open.ChangedSince == "origin/main" }, ""},
		{[]string{"--format", "yaml"}, nil, "is not one of"},
		{[]string{"--fail-on", "sometimes"}, nil, "--fail-on"},
	} {
		var got *validateCommand
		cmd := validateCmd(flagApp(), func(_ context.Context, _ *App, c *validateCommand) error { got = c; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || got != nil {
				t.Errorf("%q: error %v (ran: %v), want %q", c.args, err, got != nil, c.wantErr)
			}
		case err != nil:
			t.Errorf("%q: %v", c.args, err)
		case got == nil || !c.check(got):
			t.Errorf("%q: options %+v", c.args, got)
		}
	}
}
