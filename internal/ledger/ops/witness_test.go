package ops

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// rewrite replaces the ledger on ref with a forgery: entry 1's
// approvers edited, and every entry after it chained again with
// recomputed hashes, so that the chain check finds nothing wrong.
func rewrite(t *testing.T, dir, ref string) {
	t.Helper()
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	snap, err := (&gitstore.Store{Repo: repo, Ref: ref}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	parent, lastRaw := "", []byte(nil)
	for i, e := range snap.Entries() {
		c := *e
		if i == 0 {
			c.Approvers = []ledger.Approval{{By: "mallory", At: "2026-11-20T09:00:00Z"}}
		}
		raw, err := ledger.Chain(&c, int64(i), lastRaw)
		if err != nil {
			t.Fatal(err)
		}
		parent, err = repo.CommitFiles(parent, nil, ledger.CommitMessage(&c, raw), gitrepo.Signature{Name: "estate ledger", Email: "ledger@estate.invalid", When: when})
		if err != nil {
			t.Fatal(err)
		}
		lastRaw = raw
	}
	if err := repo.UpdateRef(ref, parent, snap.Tip); err != nil {
		t.Fatal(err)
	}
}

func findingsOf(fs []record.Finding, rule string) []record.Finding {
	var out []record.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// TestWitnessCatchesARewriteWithRecomputedHashes: the forged ledger
// passes the chain check alone, and fails against a mirror (a ref, and a
// remote fetched by git) and against a report's recorded head.
func TestWitnessCatchesARewriteWithRecomputedHashes(t *testing.T) {
	ctx := context.Background()
	dir, _ := repoWith(t, nil, "Import the estate", "Change one (#1)", "Change two (#2)")
	for _, rev := range []string{"main~1", "main"} {
		if _, err := Record(ctx, RecordOptions{Dir: dir, Rev: rev, Approvals: []ledger.Approval{{By: "bob", At: "2026-11-20T09:00:00Z"}}, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	// The witnesses: a mirror ref, a bare mirror repository, a report's head.
	gittest.CLI(t, dir, "update-ref", "refs/remotes/mirror/ledger", "refs/estate/ledger")
	bare := filepath.Join(t.TempDir(), "mirror.git")
	gittest.CLI(t, dir, "init", "-q", "--bare", bare)
	gittest.CLI(t, dir, "push", "-q", bare, "refs/estate/ledger:refs/estate/ledger")
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := (&gitstore.Store{Repo: repo, Ref: "refs/estate/ledger"}).Head()
	repo.Close()
	if err != nil || head == nil || head.Entry != 2 {
		t.Fatalf("head: %+v, %v", head, err)
	}
	report := filepath.Join(t.TempDir(), "audit.json")
	b, _ := json.Marshal(map[string]any{"tool": "estate audit", "ledger_head": head})
	if err := os.WriteFile(report, b, 0o644); err != nil {
		t.Fatal(err)
	}

	// Before the rewrite every witness agrees.
	for _, against := range []string{"refs/remotes/mirror/ledger", bare, report} {
		res, err := Verify(ctx, VerifyOptions{Dir: dir, Against: against, Now: when})
		if err != nil {
			t.Fatalf("verify --against %s: %v", against, err)
		}
		if w := findingsOf(res.Findings, ledger.RuleWitness); len(w) > 0 || res.Witnessed != against {
			t.Errorf("verify --against %s before the rewrite: %v (witnessed %q)", against, w, res.Witnessed)
		}
	}

	rewrite(t, dir, "refs/estate/ledger")
	alone, err := Verify(ctx, VerifyOptions{Dir: dir, Now: when})
	if err != nil {
		t.Fatal(err)
	}
	if c := findingsOf(alone.Findings, ledger.RuleChain); len(c) > 0 || alone.Entries != 2 {
		t.Fatalf("the forgery should pass the chain check alone: %v", c)
	}
	wants := map[string]string{
		"refs/remotes/mirror/ledger": "entry 1 differs from refs/remotes/mirror/ledger's copy",
		bare:                         "the two ledgers diverge from entry 1 on",
		report:                       "entry 2 hashes to ",
	}
	for against, want := range wants {
		res, err := Verify(ctx, VerifyOptions{Dir: dir, Against: against, Now: when})
		if err != nil {
			t.Fatalf("verify --against %s: %v", against, err)
		}
		w := findingsOf(res.Findings, ledger.RuleWitness)
		if len(w) != 1 || !strings.Contains(w[0].Message, want) || w[0].Severity != record.SevCritical {
			t.Errorf("verify --against %s after the rewrite: %v, want one critical finding with %q", against, w, want)
		}
	}
}

func TestWitnessRefusesWhatIsNoWitness(t *testing.T) {
	ctx := context.Background()
	dir, _ := repoWith(t, nil, "Import the estate", "Change one (#1)")
	if _, err := Record(ctx, RecordOptions{Dir: dir, Now: now}); err != nil {
		t.Fatal(err)
	}
	noHead := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(noHead, []byte(`{"tool": "estate audit"}`), 0o644)
	badHash := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badHash, []byte(`{"ledger_head": {"entry": 1, "hash": "md5:x"}}`), 0o644)
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, []byte("{\n  \"ledger_head\": [1,\n"), 0o644)
	for against, want := range map[string]string{
		noHead:               "records no ledger_head",
		badHash:              `ledger_head.hash "md5:x"`,
		broken:               "broken.json:2:",
		"refs/estate/ledger": "is the ledger itself",
		"nowhere-remote":     "is not a file, a ref of this repository or a remote",
	} {
		_, err := Verify(ctx, VerifyOptions{Dir: dir, Against: against, Now: when})
		if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("verify --against %s: %v, want a usage error with %q", against, err, want)
		}
	}
}

func TestWitnessCopyAheadAndBehind(t *testing.T) {
	mk := func(n int, edit int) []ledger.Stored {
		var out []ledger.Stored
		var last []byte
		for i := 1; i <= n; i++ {
			e := &ledger.Entry{Kind: ledger.KindAudit, Time: "2026-11-20T12:00:00Z", Title: "a"}
			if i == edit {
				e.Title = "forged"
			}
			raw, _ := ledger.Chain(e, int64(i-1), last)
			last = raw
			out = append(out, ledger.FromCommit("c", 1, ledger.CommitMessage(e, raw)))
		}
		return out
	}
	if fs := ledger.WitnessCopy(mk(3, 0), mk(2, 0), "r", "m"); len(fs) != 0 {
		t.Errorf("a mirror behind the ledger: %v, want nothing", fs)
	}
	fs := ledger.WitnessCopy(mk(2, 0), mk(4, 0), "r", "m")
	if len(fs) != 1 || fs[0].Severity != record.SevMedium || !strings.Contains(fs[0].Message, "m holds entries 3 to 4, which this ledger lacks") {
		t.Errorf("a mirror ahead: %v", fs)
	}
	fs = ledger.WitnessCopy(mk(4, 3), mk(4, 0), "r", "m")
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "entry 3 differs") {
		t.Errorf("an entry edited: %v", fs)
	}
}

func FuzzParseHead(f *testing.F) {
	f.Add([]byte(`{"ledger_head": {"entry": 3, "hash": "sha256:` + strings.Repeat("a", 64) + `"}}`))
	f.Add([]byte(`{"ledger_head": null}`))
	f.Add([]byte("{\n\"ledger_head\": [1,"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHead("f.json", data)
		if err != nil {
			if !errors.Is(err, core.ErrUsage) || !strings.HasPrefix(err.Error(), "f.json") {
				t.Fatalf("error %v is not a usage error naming the file", err)
			}
			return
		}
		if h == nil || h.Check() != nil {
			t.Fatalf("accepted a head that does not check: %+v", h)
		}
	})
}
