package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/facts/collect"
)

// TestFactsCollectFlags: the collect.Options each command line produces,
// apart from collecting.
func TestFactsCollectFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		check   func(*collect.Options) bool
		wantErr string
	}{
		{[]string{"--local"}, func(o *collect.Options) bool {
			return o.Local && o.Format == "json" && o.Out == "" && o.Dir == "." && o.Now.Equal(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)) &&
				o.SSHOptions.Concurrency == 0 // no SSH asked: its flags are not read
		}, ""},
		{[]string{"--osquery", "a.json", "b.json", "c.json", "--out", "o", "--format", "yaml"}, func(o *collect.Options) bool {
			return strings.Join(o.Osquery, " ") == "a.json b.json c.json" && o.Out == "o" && o.Format == "yaml"
		}, ""},
		{[]string{"--ssh", "web-01,db-01:2222", "lb-01", "--accept-new-host-keys", "--known-hosts", "kh"}, func(o *collect.Options) bool {
			s := o.SSHOptions
			return strings.Join(o.SSH, " ") == "web-01 db-01:2222 lb-01" && s.AcceptNew && s.KnownHosts[0] == "kh" &&
				s.Concurrency == 16 && s.Timeout == 30*time.Second && s.Port == 22 && s.AgentSocket == "/run/agent.sock"
		}, ""},
		{[]string{"--ssh-inventory", "--accept-changed-host-key", "web-01", "--user", "audit"}, func(o *collect.Options) bool {
			return o.SSHInventory && o.SSHOptions.AcceptChanged[0] == "web-01" && o.SSHOptions.User == "audit"
		}, ""},
		{[]string{"--from", "export"}, func(o *collect.Options) bool { return o.From == "export" }, ""},
		{[]string{"--intune", "p1.json", "p2.json"}, func(o *collect.Options) bool { return strings.Join(o.Intune, " ") == "p1.json p2.json" }, ""},
		{[]string{"--jamf", "pages", "--jamf", "more"}, func(o *collect.Options) bool { return strings.Join(o.Jamf, " ") == "pages more" }, ""},
		{[]string{"--local", "stray"}, nil, "unexpected arguments"},
		{[]string{"--local", "--format", "toml"}, nil, "is not one of json, yaml"},
		{[]string{"--ssh", "h", "--timeout", "0s"}, nil, "--timeout must be positive"},
	} {
		var got *collect.Options
		cmd := factsCollectCmd(flagApp(), func(_ context.Context, _ *App, o *collect.Options) error { got = o; return nil })
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
