package ops

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

var when = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func now() time.Time { return when }

// repoWith makes a real repository in a temporary directory whose main
// branch holds one commit per message (files written into the first).
func repoWith(t *testing.T, files map[string][]byte, msgs ...string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	var commits []string
	parent := ""
	for i, m := range msgs {
		fs := files
		if i > 0 {
			fs = nil
		}
		c, err := repo.CommitFiles(parent, fs, m+"\n", gitrepo.Signature{Name: "Alice", Email: "alice@example.org", When: when.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.UpdateRef("refs/heads/main", c, parent); err != nil {
			t.Fatal(err)
		}
		commits, parent = append(commits, c), c
	}
	return dir, commits
}

func hint(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func TestShowRefusesAMissingRefUnlessAskedForEmpty(t *testing.T) {
	dir, _ := repoWith(t, nil, "Import the estate")
	_, err := Show(context.Background(), ShowOptions{Dir: dir})
	if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "refs/estate/ledger does not exist") {
		t.Fatalf("show of a missing ledger: %v, want a usage error naming the ref", err)
	}
	if !strings.Contains(hint(err), "--allow-empty") {
		t.Errorf("hint %q does not offer --allow-empty", hint(err))
	}
	res, err := Show(context.Background(), ShowOptions{Dir: dir, AllowEmpty: true})
	if err != nil || len(res.Entries) != 0 || res.Tip != "" || res.Ref != "refs/estate/ledger" {
		t.Fatalf("show --allow-empty: %+v, %v", res, err)
	}
}

func TestShowRefusesARefThatIsNotALedger(t *testing.T) {
	dir, commits := repoWith(t, nil, "Import the estate", "Change one (#1)")
	_, err := Show(context.Background(), ShowOptions{Dir: dir, Ref: "refs/heads/main"})
	if err == nil || !errors.Is(err, core.ErrUsage) {
		t.Fatalf("show of a branch as the ledger: %v, want a usage error", err)
	}
	for _, want := range []string{"refs/heads/main", commits[1][:12], `"Change one (#1)"`, "not a ledger entry"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %s", err, want)
		}
	}
	if !strings.Contains(hint(err), `"ledger: entry N KIND"`) {
		t.Errorf("hint %q does not say what a ledger entry looks like", hint(err))
	}

	// A ledger whose last entry was damaged: the error says how.
	if _, err := Record(context.Background(), RecordOptions{Dir: dir, Approvals: []ledger.Approval{{By: "bob", At: "2026-11-20T09:00:00Z"}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	tip, _, _ := repo.Ref("refs/estate/ledger")
	bad, err := repo.CommitFiles(tip, nil, "ledger: entry 2 audit\n\n{\"seq\": 2,\n", gitrepo.Signature{Name: "x", Email: "x@example.org", When: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.UpdateRef("refs/estate/ledger", bad, tip); err != nil {
		t.Fatal(err)
	}
	_, err = Show(context.Background(), ShowOptions{Dir: dir})
	if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), `("ledger: entry 2 audit"), which is not a ledger entry: `) {
		t.Fatalf("show of a damaged tip: %v", err)
	}
}

func TestRecordThenShow(t *testing.T) {
	dir, commits := repoWith(t, nil, "Import the estate", "Change one (#1)", "Change two (#2)")
	asked := 0
	reviews := func(_ context.Context, s *record.Settings, merge string, pr int) (*PullRequest, error) {
		asked++
		if s != nil || merge != commits[2] || pr != 2 {
			t.Errorf("reviews asked for settings %v, merge %s, pr %d", s, merge, pr)
		}
		return &PullRequest{Author: "jane", Head: strings.Repeat("3", 40), Approvals: []ledger.Approval{{By: "omar", At: "2026-11-20T11:00:00Z"}}}, nil
	}
	byHand := []ledger.Approval{{By: "bob", At: "2026-11-20T09:00:00Z"}}
	r1, err := Record(context.Background(), RecordOptions{Dir: dir, Rev: "main~1", Approvals: byHand, Reviews: reviews, Now: now})
	if err != nil || r1.Entry == nil || r1.Entry.Seq != 1 || r1.Entry.PR != 1 || r1.Entry.Approvers[0].By != "bob" {
		t.Fatalf("record main~1: %+v, %v", r1, err)
	}
	r2, err := Record(context.Background(), RecordOptions{Dir: dir, Rev: "main", Reviews: reviews, Now: now})
	if err != nil || r2.Entry == nil || r2.Entry.Author != "jane" || r2.Entry.Commits.Head != strings.Repeat("3", 40) || r2.Entry.Approvers[0].By != "omar" {
		t.Fatalf("record main: %+v, %v", r2, err)
	}
	if asked != 1 {
		t.Errorf("reviews asked %d times, want once (not when approvals are given by hand)", asked)
	}
	again, err := Record(context.Background(), RecordOptions{Dir: dir, Rev: "main", Approvals: byHand, Now: now})
	if err != nil || again.Entry != nil {
		t.Fatalf("recording main again: %+v, %v; want nothing appended", again, err)
	}
	res, err := Show(context.Background(), ShowOptions{Dir: dir, Seqs: []int64{2}})
	if err != nil || len(res.Entries) != 1 || res.Entries[0].Merge() != commits[2] || res.Undecoded != 0 {
		t.Fatalf("show 2: %+v, %v", res, err)
	}
}

func TestRecordAuditNamesTheReportsBadPosition(t *testing.T) {
	dir, _ := repoWith(t, nil, "Import the estate")
	report := filepath.Join(t.TempDir(), "audit.json")
	if err := os.WriteFile(report, []byte("{\n  \"tool\": \"estate audit\",\n  \"findings\": [}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := RecordAudit(context.Background(), AuditOptions{Dir: dir, File: report, Now: now})
	if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), report+": 3:16: ") {
		t.Fatalf("record-audit of bad JSON: %v, want a usage error at 3:16", err)
	}
}

// fakeRemote is a remote whose pushes fail as it is told; fetches succeed
// (the local ref is the remote's).
type fakeRemote struct {
	pushErrs []error // returned by the pushes in turn, then nil
	pushes   []string
}

func (f *fakeRemote) Fetch(context.Context, string, string) error { return nil }
func (f *fakeRemote) Push(_ context.Context, remote, commit, ref string) error {
	f.pushes = append(f.pushes, commit+":"+ref)
	if n := len(f.pushes); n <= len(f.pushErrs) {
		return f.pushErrs[n-1]
	}
	return nil
}

func TestPushRetriesOnlyALostRace(t *testing.T) {
	defer func(w func(int) time.Duration) { retryWait = w }(retryWait)
	retryWait = func(int) time.Duration { return 0 }
	raced := error(raced{errors.New("! [rejected] (fetch first)")})
	other := errors.New("fatal: repository not found")
	for _, tc := range []struct {
		name   string
		errs   []error
		pushes int
		ok     bool
	}{
		{"lost twice then landed", []error{raced, raced}, 3, true},
		{"refused for another reason", []error{other}, 1, false},
		{"always lost", []error{raced, raced, raced, raced, raced, raced, raced, raced, raced, raced, raced}, pushAttempts, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, commits := repoWith(t, nil, "Import the estate", "Change one (#1)")
			remote := &fakeRemote{pushErrs: tc.errs}
			res, err := Record(context.Background(), RecordOptions{Dir: dir, Approvals: []ledger.Approval{{By: "bob", At: "2026-11-20T09:00:00Z"}},
				Writer: Writer{Push: "origin", Remote: remote}, Now: now})
			if len(remote.pushes) != tc.pushes {
				t.Errorf("%d pushes, want %d", len(remote.pushes), tc.pushes)
			}
			if tc.ok != (err == nil) {
				t.Fatalf("record: %+v, %v", res, err)
			}
			if !tc.ok {
				if !errors.Is(err, tc.errs[0]) || !strings.Contains(err.Error(), "record and push refs/estate/ledger to origin") {
					t.Errorf("error %v does not wrap the push's", err)
				}
				return
			}
			if res.Entry == nil || res.Entry.Merge() != commits[1] {
				t.Errorf("entry %+v", res.Entry)
			}
		})
	}
}

func needGit(t testing.TB) { gittest.NeedCLI(t) }

// TestGitRemoteReportsALostRace pushes two different ledgers from two
// clones to one remote with the real git: the second push is ErrRaced,
// and after a fetch it lands.
func TestGitRemoteReportsALostRace(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	origin, _ := repoWith(t, nil, "Import the estate", "Change one (#1)", "Change two (#2)")
	clone := func(name string) (*gitstore.Store, GitRemote) {
		dir := filepath.Join(t.TempDir(), name)
		if out, err := exec.Command("git", "clone", "-q", "--bare", origin, dir).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		repo, err := gitrepo.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { repo.Close() })
		return &gitstore.Store{Repo: repo, Ref: "refs/estate/ledger", Now: now}, GitRemote{Repo: repo}
	}
	entry := func(title string) gitstore.Build {
		return func(*gitstore.Snapshot) (*ledger.Entry, error) {
			return &ledger.Entry{Kind: ledger.KindAudit, Time: "2026-11-20T12:00:00Z", Title: title}, nil
		}
	}
	a, ga := clone("a.git")
	b, gb := clone("b.git")
	for _, s := range []struct {
		store *gitstore.Store
		git   GitRemote
	}{{a, ga}, {b, gb}} {
		if err := s.git.Fetch(ctx, origin, s.store.Ref); err != nil {
			t.Fatalf("fetch of a remote without a ledger: %v", err)
		}
	}
	_, tipA, err := a.AppendCommit(ctx, entry("from a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ga.Push(ctx, origin, tipA, a.Ref); err != nil {
		t.Fatalf("first push: %v", err)
	}
	_, tipB, err := b.AppendCommit(ctx, entry("from b"))
	if err != nil {
		t.Fatal(err)
	}
	err = gb.Push(ctx, origin, tipB, b.Ref)
	if !errors.Is(err, ErrRaced) {
		t.Fatalf("second push: %v, want ErrRaced", err)
	}
	if err := gb.Fetch(ctx, origin, b.Ref); err != nil {
		t.Fatal(err)
	}
	_, tipB, err = b.AppendCommit(ctx, entry("from b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := gb.Push(ctx, origin, tipB, b.Ref); err != nil {
		t.Fatalf("push after fetch: %v", err)
	}
	if err := gb.Push(ctx, filepath.Join(t.TempDir(), "nowhere.git"), tipB, b.Ref); err == nil || errors.Is(err, ErrRaced) {
		t.Errorf("push to a missing remote: %v, want an error that is not a race", err)
	}
}

// TestRecordAuditRefusesAPart: one part of a sharded audit is not an
// audit of the estate; the ledger records only whole (merged) reports.
func TestRecordAuditRefusesAPart(t *testing.T) {
	dir, _ := repoWith(t, nil, "Import the estate")
	report := filepath.Join(t.TempDir(), "part.json")
	if err := os.WriteFile(report, []byte(`{"tool": "estate audit", "findings": [], "shard": {"k": 1, "n": 16}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := RecordAudit(context.Background(), AuditOptions{Dir: dir, File: report, Now: now})
	if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "one part of a sharded audit") || res != nil {
		t.Fatalf("record-audit of a part: %+v, %v; want a usage error", res, err)
	}
}
