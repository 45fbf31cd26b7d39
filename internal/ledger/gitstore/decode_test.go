package gitstore

import (
	"context"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
)

// TestRecordsReadAsValidateReadsThem: estate.yaml, the change-control
// policy, a change request and an asset's exemptions are read through
// load (as estate validate reads them), and a file validate refuses (a
// duplicate key) is not half-read.
func TestRecordsReadAsValidateReadsThem(t *testing.T) {
	w := newWorld(t)
	w.write("estate.yaml", "apiVersion: estate/v1\nkind: Settings\nledger:\n  ref: refs/estate/audit-trail\ngithub:\n  owner: acme\n  repo: it\n")
	w.write("policies/change-control.yaml", "apiVersion: estate/v1\nkind: ChangePolicy\napprovals:\n  - name: peer-review\n    count: 2\n")
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "jane@example.org"))
	base := w.commit("Import", "alice", nil)
	w.write("changes/CR-2026-0007.yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0007\ntitle: Exempt LT-00001\ntype: standard\nrisk: low\nreason: r\n")
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "jane@example.org")+
		"exemptions:\n  - control: MAC-SW-010\n    reason: supplier fix pending\n    change: CR-2026-0007\n    expires: 2026-12-01\n")
	change := w.commit("Exempt LT-00001 (#7)", "alice", nil)
	// A later estate.yaml with a key twice: validate refuses it, so does this.
	w.write("estate.yaml", "apiVersion: estate/v1\nkind: Settings\nledger:\n  ref: refs/estate/one\nledger:\n  ref: refs/estate/two\n")
	dup := w.commit("Break settings", "alice", nil)

	repo, err := gitrepo.Open(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	s := Settings(repo, base)
	if s == nil || s.LedgerRef() != "refs/estate/audit-trail" || s.GitHub == nil || s.GitHub.Owner != "acme" || s.GitHub.Repo != "it" {
		t.Errorf("settings at %s: %+v", base, s)
	}
	if s := Settings(repo, dup); s != nil {
		t.Errorf("settings with a duplicate key read as %+v (ledger %+v), want none", s, s.Ledger)
	}
	if p := Policy(repo, base, nil); p == nil || len(p.Approvals) != 1 || p.Approvals[0].Name != "peer-review" || p.Approvals[0].Count != 2 {
		t.Errorf("policy: %+v", p)
	}
	e, err := Describe(context.Background(), repo, change)
	if err != nil {
		t.Fatal(err)
	}
	if e.Change != "CR-2026-0007" || e.Type != "standard" || e.Risk != "low" || e.Title != "Exempt LT-00001" || e.PR != 7 {
		t.Errorf("entry: change %q type %q risk %q title %q pr %d", e.Change, e.Type, e.Risk, e.Title, e.PR)
	}
	got, err := GrantedExemptions(context.Background(), repo, change)
	if err != nil {
		t.Fatal(err)
	}
	want := ledger.Exemption{Record: "LT-00001", Control: "MAC-SW-010", Expires: "2026-12-01", Change: "CR-2026-0007"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("granted: %+v, want [%+v]", got, want)
	}
}
