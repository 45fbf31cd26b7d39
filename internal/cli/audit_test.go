package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// The reference estate's facts/ audit as documented in facts/README.md and
// the README: every facts document is valid, every control can be
// evaluated, and the deliberate problems are found.
func TestReferenceEstateAudit(t *testing.T) {
	if _, err := os.Stat("../../facts"); err != nil {
		t.Skip("no reference facts/")
	}
	var out, errb bytes.Buffer
	app := &App{Args: []string{"-C", "../..", "audit", "--format", "json", "--fail-on", "never"}, Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, TTY: false,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	if code := Main(app); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Findings []struct {
			Rule, Record, Control, Message string
			Severity                       string
		}
		Compliance struct {
			Devices, Seen, Unregistered, Missing int
		}
	}
	if err := json.NewDecoder(io.Reader(&out)).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, f := range rep.Findings {
		has[f.Rule+" "+f.Record+" "+f.Control] = true
		if strings.HasPrefix(f.Rule, "facts/") || f.Rule == "audit/baseline" || f.Rule == "audit/bad-fact" {
			t.Errorf("the reference estate should have no %s finding: %s", f.Rule, f.Message)
		}
	}
	for _, want := range []string{
		"audit/status LT-00108 ",            // the stolen MacBook checked in
		"audit/unregistered  ",              // the PC nobody registered
		"audit/control LT-00102 MAC-OS-001", // old macOS
		"audit/control LT-00102 EUC-001",    // FileVault off
		"audit/missing DT-00404 ",           // not seen for 20 days
		"audit/missing LT-00208 ",           // never seen
		"audit/serial SV-00503 ",            // board swapped
		"audit/control LT-00104 MAC-SW-099", // BitTorrent
	} {
		if !has[want] {
			t.Errorf("no %q finding", want)
		}
	}
	if has["audit/control LT-00103 MAC-SW-010"] {
		t.Error("LT-00103's exemption for MAC-SW-010 was not honoured")
	}
	if rep.Compliance.Devices != 23 || rep.Compliance.Unregistered != 1 {
		t.Errorf("compliance = %+v", rep.Compliance)
	}
}

// flagApp is an App for flag-parsing tests: a fixed clock, no world.
func flagApp() *App {
	return &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string {
			if k == "SSH_AUTH_SOCK" {
				return "/run/agent.sock"
			}
			return ""
		},
		Now: func() time.Time { return time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC) }}
}

// TestAuditFlags: the auditCommand each command line produces, apart from
// running it.
func TestAuditFlags(t *testing.T) {
	now := time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		args    []string
		check   func(*auditCommand) bool
		wantErr string
	}{
		{nil, func(c *auditCommand) bool {
			return c.Format == "text" && c.FailOn == record.SevHigh && c.Run.Facts == "" && c.Run.Collect == "" &&
				c.Run.AsOf.IsZero() && c.Run.MissingAfter == 0 && c.Run.Now.Equal(now) && c.Run.Dir == "."
		}, ""},
		{[]string{"--as-of", "2026-11-23", "--format", "sarif", "--fail-on", "never"}, func(c *auditCommand) bool {
			return c.Run.AsOf.Equal(time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)) && c.Format == "sarif" && c.FailOn == 0 && c.Run.Now.Equal(now)
		}, ""},
		{[]string{"--as-of", "2026-11-23T10:00:00+01:00"}, func(c *auditCommand) bool {
			return c.Run.AsOf.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		}, ""},
		{[]string{"--facts", "mdm", "--missing-after", "14"}, func(c *auditCommand) bool {
			return c.Run.Facts == "mdm" && c.Run.MissingAfter == 14*24*time.Hour
		}, ""},
		{[]string{"--collect", "ssh", "--user", "audit", "-i", "k1", "-i", "k2", "--concurrency", "4", "--timeout", "5s", "--port", "2222"}, func(c *auditCommand) bool {
			s := c.Run.SSH
			return c.Run.Collect == "ssh" && s.User == "audit" && len(s.KeyFiles) == 2 && s.KeyFiles[1] == "k2" && s.Concurrency == 4 &&
				s.Timeout == 5*time.Second && s.Port == 2222 && s.AgentSocket == "/run/agent.sock" && s.Now != nil
		}, ""},
		{[]string{"--collect", "ssh", "--no-agent"}, func(c *auditCommand) bool { return c.Run.SSH.AgentSocket == "" }, ""},
		{[]string{"--collect", "local"}, func(c *auditCommand) bool { return c.Run.Collect == "local" && c.Run.SSH.User == "" }, ""},
		{[]string{"--as-of", "last tuesday"}, nil, "neither a date"},
		{[]string{"--format", "csv"}, nil, "is not one of"},
		{[]string{"--collect", "pigeon"}, nil, "is not one of local, ssh"},
		{[]string{"--missing-after", "-1"}, nil, "at least 1"},
		{[]string{"--fail-on", "loud"}, nil, "--fail-on"},
		{[]string{"--collect", "ssh", "--concurrency", "0"}, nil, "at least 1"},
		{[]string{"--facts", "x", "--collect", "local"}, nil, "none of the others"},
	} {
		var got *auditCommand
		cmd := auditCmd(flagApp(), func(_ context.Context, _ *App, c *auditCommand) error { got = c; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: error %v, want %q", c.args, err, c.wantErr)
			}
			if got != nil {
				t.Errorf("%q: ran despite the error", c.args)
			}
		case err != nil:
			t.Errorf("%q: %v", c.args, err)
		case got == nil || !c.check(got):
			t.Errorf("%q: options %+v", c.args, got)
		}
	}
}

// TestReferenceEstateAuditAsOf: the reference estate's facts were
// collected on 2026-11-23. Judged on 2027-06-01 every device fails the
// 7-day freshness control; judged as of 2026-11-23 (as the README and the
// workflows run it) the audit shows what it is meant to, whatever today is.
func TestReferenceEstateAuditAsOf(t *testing.T) {
	if _, err := os.Stat("../../facts"); err != nil {
		t.Skip("no reference facts/")
	}
	type compliance struct {
		Devices, Compliant int
		NonCompliant       int `json:"non_compliant"`
		Baselines          []struct{ Devices, Compliant int }
	}
	run := func(args ...string) (compliance, string) {
		var out, errb bytes.Buffer
		app := &App{Args: append([]string{"-C", "../..", "audit", "--format", "json", "--fail-on", "never"}, args...),
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
			Now: func() time.Time { return time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC) }}
		if code := Main(app); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		var rep struct {
			AsOf       string `json:"as_of"`
			Compliance compliance
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Compliance, rep.AsOf
	}
	stale, at := run()
	if stale.Compliant != 0 || at != "2027-06-01T12:00:00Z" {
		t.Errorf("judged on 2027-06-01 (as_of %s) %d devices are compliant: the freshness control should fail them all", at, stale.Compliant)
	}
	then, at := run("--as-of", "2026-11-23")
	if at != "2026-11-23T23:59:59Z" {
		t.Errorf("as_of = %s", at)
	}
	if then.Devices != 23 || then.Compliant < 5 || then.NonCompliant == 0 {
		t.Errorf("as of 2026-11-23: %+v", then)
	}
	scored := 0
	for _, b := range then.Baselines {
		scored += b.Compliant
	}
	if scored == 0 {
		t.Errorf("as of 2026-11-23 every baseline scores 0%%: %+v", then.Baselines)
	}
}
