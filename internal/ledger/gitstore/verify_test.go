package gitstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// world is a real repository built by the test: a working tree whose
// commits are made with go-git, some signed.
type world struct {
	t    *testing.T
	dir  string
	repo *gittest.Repo
	when time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	return &world{t: t, dir: dir, repo: gittest.Init(t, dir), when: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
}

func (w *world) write(path, data string) {
	w.t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.repo.Add(path)
}

func (w *world) commit(msg, author string, key *openpgp.Entity, parents ...string) string {
	w.t.Helper()
	w.when = w.when.Add(time.Hour)
	sig := gittest.Signature{Name: author, Email: author + "@example.org", When: w.when}
	return w.repo.Commit(msg, gittest.CommitOptions{Author: sig, SignKey: key, Parents: parents, AllowEmpty: true})
}

func asset(id, owner string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: laptop\nstatus: deployed\nowner: " + owner + "\n"
}

func armored(t *testing.T, e *openpgp.Entity) string {
	t.Helper()
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.String()
}

func TestVerifyCoverageApprovalsAndSignatures(t *testing.T) {
	ctx := context.Background()
	trusted, err := openpgp.NewEntity("estate CI", "", "ci@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := openpgp.NewEntity("someone", "", "someone@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.write("policies/change-control.yaml", "apiVersion: estate/v1\nkind: ChangePolicy\napprovals:\n  - name: peer-review\n    count: 1\n  - name: high-risk\n    when: {risk: [high]}\n    count: 2\n")
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "jane"))
	w.commit("Import the estate", "alice", trusted)

	// A squash merge with its change request, approved once: enough.
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "john"))
	w.write("changes/CR-2026-0001.yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0001\ntitle: Reassign\ntype: normal\nreason: r\nrisk: low\n")
	squash := w.commit("Reassign LT-00001 (#1)", "alice", trusted)

	// A merge commit of a branch, high risk, approved once: short of two.
	main := squash
	w.write("inventory/laptop/LT-00002.yaml", asset("LT-00002", "kim"))
	w.write("changes/CR-2026-0002.yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0002\ntitle: Add LT-00002\ntype: normal\nreason: r\nrisk: high\n")
	branch := w.commit("Add LT-00002", "bob", trusted, main)
	merge := w.commit("Merge pull request #2 from estate/add", "web-flow", trusted, main, branch)

	// A direct push, signed by a key nobody allowed, and one unsigned.
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "mallory"))
	direct := w.commit("tweak owner", "mallory", stranger)
	w.write("inventory/laptop/LT-00001.yaml", asset("LT-00001", "eve"))
	unsigned := w.commit("tweak owner again", "mallory", nil)

	repo, err := gitrepo.Open(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{Repo: repo, Ref: "refs/estate/ledger", Now: func() time.Time { return w.when }}
	approve := map[string][]ledger.Approval{
		squash: {{By: "carol", At: "2026-11-01T11:30:00Z"}},
		merge:  {{By: "carol", At: "2026-11-01T13:30:00Z"}, {By: "bob", At: "2026-11-01T13:30:00Z"}}, // bob is the author
	}
	for _, c := range []string{squash, merge} {
		e, err := Describe(ctx, repo, c)
		if err != nil {
			t.Fatal(err)
		}
		e.Approvers = approve[c]
		if _, err := s.Append(ctx, func(*Snapshot) (*ledger.Entry, error) { return e, nil }); err != nil {
			t.Fatal(err)
		}
	}
	snap, _ := s.Read(ctx)
	es := snap.Entries()
	if es[0].PR != 1 || es[0].Change != "CR-2026-0001" || es[1].PR != 2 || es[1].Author != "bob@example.org" || es[1].Commits.Head != branch {
		t.Fatalf("entries: %+v %+v", es[0], es[1])
	}
	if got := es[0].Records; len(got) != 2 || got[1].ID != "LT-00001" || strings.Join(got[1].Fields, ",") != "owner" {
		t.Fatalf("records of entry 1: %+v", got)
	}

	res, err := Verify(ctx, s, VerifyOptions{Branch: unsigned, BranchName: "main", RequireSigned: true, AllowedKeys: armored(t, trusted)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Rule+" "+f.Record+" "+f.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"ledger/bypass " + unsigned + " commit " + unsigned[:12] + ` "tweak owner again" by mallory@example.org`,
		"ledger/bypass " + direct,
		"ledger/signature " + unsigned + " commit " + unsigned[:12] + ` "tweak owner again" by mallory@example.org is not signed`,
		"ledger/signature " + direct,
		`ledger/approvals entry 2 commit ` + merge[:12] + ` "Merge pull request #2 from estate/add" (entry 2, PR #2) had 1 of the 2 approvals rule "high-risk" required`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if len(res.Findings) != 5 {
		t.Errorf("%d findings, want 5:\n%s", len(res.Findings), all)
	}
	if res.Commits != 4 { // the squash, the merge and the two pushes; not the import before the ledger began
		t.Errorf("checked %d commits, want 4", res.Commits)
	}
	for _, f := range res.Findings {
		if f.Severity < record.SevHigh {
			t.Errorf("finding below high: %v", f)
		}
	}
}
