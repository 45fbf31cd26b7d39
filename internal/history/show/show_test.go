package show

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/history"
)

// TestWriteTextIsTerminalSafe: a commit subject, an author and a field
// value come from the repository, that is from anyone who can push: no
// control character of theirs reaches the terminal or the job log.
func TestWriteTextIsTerminalSafe(t *testing.T) {
	rec := &history.Record{ID: "LT-1", Path: "inventory/laptop/LT-1.yaml", Changes: []history.Change{{
		Commit: strings.Repeat("a", 40), Date: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Action: "modified",
		Author:  "eve\x1b[2J",
		Subject: "fix\n::error file=x::forged",
		Fields:  []history.FieldChange{{Field: "hostname", Op: "changed", Old: "lt-1", New: "lt-1\x1b]0;owned\x07"}},
	}}}
	var b bytes.Buffer
	WriteText(&b, rec)
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\n::error") {
		t.Fatalf("control characters reached the text:\n%q", out)
	}
	for _, want := range []string{`fix\u000a::error`, `eve\u001b[2J`, `lt-1\u001b]0;owned\u0007`} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not shown:\n%s", want, out)
		}
	}
	b.Reset()
	WriteMarkdown(&b, rec)
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Errorf("control characters reached the markdown:\n%q", b.String())
	}
}

// TestRunUsageErrors: outside a repository, at a revision that does not
// exist, or for a record the history never had, the request is at fault.
func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) { gittest.CLI(t, dir, args...) }
	git("init", "-q", "-b", "main")
	p := filepath.Join(dir, "inventory", "laptop", "LT-00001.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("apiVersion: estate/v1\nkind: Asset\nid: LT-00001\nclass: laptop\nstatus: in-stock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "one")
	ctx := context.Background()
	rec, err := Run(ctx, Options{Dir: dir, Record: "LT-00001"})
	if err != nil || len(rec.Changes) != 1 || rec.Changes[0].Action != "added" {
		t.Fatalf("history: %+v, %v", rec, err)
	}
	for _, o := range []Options{{Dir: t.TempDir(), Record: "LT-00001"}, {Dir: dir, Rev: "no-such", Record: "LT-00001"}, {Dir: dir, Record: "LT-99999"}} {
		if _, err := Run(ctx, o); !errors.Is(err, core.ErrUsage) {
			t.Errorf("%+v: %v, want a usage error", o, err)
		}
	}
}

func TestIncidentsShown(t *testing.T) {
	rec := &history.Record{ID: "LT-1", Path: "inventory/laptop/LT-1.yaml", Changes: []history.Change{}, Incidents: []history.Incident{
		{LedgerEntry: 4, Kind: "incident-opened", Time: "2026-11-01T00:00:00Z", Issue: 2, Controls: []string{"fw\x1b[2J"}, Severity: "high", Due: "2026-11-15"},
		{LedgerEntry: 6, Kind: "incident-reopened", Time: "2026-11-09T00:00:00Z", Issue: 2, Controls: []string{"fw"}, Repeat: 1},
	}}
	var b bytes.Buffer
	WriteText(&b, rec)
	out := b.String()
	for _, want := range []string{"Incidents (2 ledger entries)", "entry 4  2026-11-01T00:00:00Z  incident-opened  issue #2, fw\\u001b[2J, high, due 2026-11-15",
		"entry 6  2026-11-09T00:00:00Z  incident-reopened  issue #2, fw, reopened 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	WriteMarkdown(&b, rec)
	if !strings.Contains(b.String(), "| 6 | 2026-11-09T00:00:00Z | incident-reopened | #2 | fw, reopened 1 |") || strings.Contains(b.String(), "\x1b") {
		t.Errorf("markdown:\n%s", b.String())
	}
}
