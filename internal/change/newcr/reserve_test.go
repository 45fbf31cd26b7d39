package newcr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/scaffold"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// git runs the git CLI in dir, as a test author.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Tester", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=Tester", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// twoClones makes a bare origin holding a new estate on main, and two
// clones of it on branches feat-a and feat-b.
func twoClones(t *testing.T) (a, b string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	// Run asks git who the author is.
	t.Setenv("GIT_AUTHOR_NAME", "Tester")
	t.Setenv("GIT_AUTHOR_EMAIL", "t@example.org")
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	root := t.TempDir()
	git(t, root, "init", "-q", "--bare", "-b", "main", "origin.git")
	seed := filepath.Join(root, "seed")
	git(t, root, "init", "-q", "-b", "main", "seed")
	files, err := scaffold.Files(now, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scaffold.Write(seed, files); err != nil {
		t.Fatal(err)
	}
	git(t, seed, "add", "-A")
	git(t, seed, "commit", "-q", "-m", "start the estate")
	git(t, seed, "push", "-q", "../origin.git", "main")
	a, b = filepath.Join(root, "a"), filepath.Join(root, "b")
	git(t, root, "clone", "-q", "origin.git", "a")
	git(t, root, "clone", "-q", "origin.git", "b")
	git(t, a, "checkout", "-q", "-b", "feat-a")
	git(t, b, "checkout", "-q", "-b", "feat-b")
	return a, b
}

// newIn runs Run in the clone at dir with remote "origin".
func newIn(t *testing.T, dir, id string, tr func(*gitrepo.Repo) Remote) (*Result, error) {
	t.Helper()
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	o := Options{Dir: dir, Repo: repo, ID: id, Now: now, Remote: "origin",
		Plan: &change.Plan{Type: "normal", ComputedRisk: "low",
			Records: []change.RecordChange{{Action: "modified", Kind: record.KindAsset, ID: "LT-00001", Path: "inventory/laptop/LT-00001.yaml"}}}}
	if tr != nil {
		o.Transport = tr(repo)
	}
	return Run(context.Background(), o)
}

func TestTwoClonesGetDifferentIDs(t *testing.T) {
	a, b := twoClones(t)
	ra, err := newIn(t, a, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := newIn(t, b, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ra.ID != "CR-0002" || rb.ID != "CR-0003" || !ra.Reserved || !rb.Reserved || ra.Warning != "" {
		t.Fatalf("a got %+v, b got %+v; want CR-0002 and CR-0003, both reserved", ra, rb)
	}
	// The remote's ref records both, with branch and author.
	origin := filepath.Join(filepath.Dir(a), "origin.git")
	if got := git(t, origin, "ls-tree", "--name-only", ReservationsRef); got != "CR-0002\nCR-0003" {
		t.Fatalf("reservations on origin: %q", got)
	}
	if got := git(t, origin, "show", ReservationsRef+":CR-0003"); !strings.Contains(got, "branch: feat-b\nauthor: Tester <t@example.org>\n") {
		t.Fatalf("CR-0003's reservation:\n%s", got)
	}
	if got := git(t, origin, "log", "-1", "--format=%s", ReservationsRef); got != "reserve CR-0003 for branch feat-b" {
		t.Fatalf("commit message %q", got)
	}
	// Neither clone's working tree or index holds the reservations.
	if st := git(t, b, "status", "--porcelain"); st != "?? changes/CR-0003.yaml" {
		t.Fatalf("b's status: %q", st)
	}
}

// racing reserves in clone a once, right after b's first fetch.
type racing struct {
	Remote
	t    *testing.T
	a    string
	done bool
}

func (r *racing) Fetch(ctx context.Context, remote, ref string) error {
	err := r.Remote.Fetch(ctx, remote, ref)
	if !r.done {
		r.done = true
		if _, err := newIn(r.t, r.a, "", nil); err != nil {
			r.t.Fatal(err)
		}
	}
	return err
}

func TestLostRaceTakesTheNext(t *testing.T) {
	a, b := twoClones(t)
	var race *racing
	rb, err := newIn(t, b, "", func(repo *gitrepo.Repo) Remote {
		race = &racing{Remote: GitRemote{Repo: repo}, t: t, a: a}
		return race
	})
	if err != nil {
		t.Fatal(err)
	}
	if !race.done || rb.ID != "CR-0003" || !rb.Reserved {
		t.Fatalf("b got %+v after a reserved first; want CR-0003", rb)
	}
	if _, err := os.Stat(filepath.Join(a, "changes", "CR-0002.yaml")); err != nil {
		t.Fatalf("a's request: %v", err)
	}
}

func TestNoRemoteChecksLocally(t *testing.T) {
	a, _ := twoClones(t)
	git(t, a, "remote", "remove", "origin")
	r, err := newIn(t, a, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "CR-0002" || r.Reserved || !strings.Contains(r.Warning, `no remote "origin"`) || !strings.Contains(r.Warning, "checked only against the branches and reservations this clone knows") {
		t.Fatalf("got %+v", r)
	}
}

func TestUnreachableRemoteChecksLocally(t *testing.T) {
	a, _ := twoClones(t)
	git(t, a, "remote", "set-url", "origin", filepath.Join(t.TempDir(), "gone.git"))
	r, err := newIn(t, a, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "CR-0002" || r.Reserved || !strings.Contains(r.Warning, "fetch "+ReservationsRef+" from origin") {
		t.Fatalf("got %+v", r)
	}
}

func TestExplicitIDReservedElsewhere(t *testing.T) {
	a, b := twoClones(t)
	if r, err := newIn(t, a, "CR-0042", nil); err != nil || !r.Reserved {
		t.Fatalf("a: %+v, %v", r, err)
	}
	_, err := newIn(t, b, "CR-0042", nil)
	if !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "--id CR-0042 is reserved for branch feat-a by Tester <t@example.org> (refs/estate/change-ids)") {
		t.Fatalf("b's --id CR-0042: %v", err)
	}
	// The next free id is past the reservation.
	if r, err := newIn(t, b, "", nil); err != nil || r.ID != "CR-0043" {
		t.Fatalf("b: %+v, %v", r, err)
	}
	// The branch that reserved it may take it again (a new request after
	// deleting the first).
	if err := os.Remove(filepath.Join(a, "changes", "CR-0042.yaml")); err != nil {
		t.Fatal(err)
	}
	if r, err := newIn(t, a, "CR-0042", nil); err != nil || !r.Reserved {
		t.Fatalf("a again: %+v, %v", r, err)
	}
}

// alwaysBehind is a remote whose ref always moved on before the push.
type alwaysBehind struct {
	Remote
	pushes int
}

func (r *alwaysBehind) Push(ctx context.Context, remote, commit, ref string) error {
	r.pushes++
	return fmt.Errorf("push: %w", gitrepo.ErrNonFastForward)
}

func TestRaceLostTenTimesFails(t *testing.T) {
	a, _ := twoClones(t)
	wait := retryWait
	retryWait = func(int) time.Duration { return 0 }
	t.Cleanup(func() { retryWait = wait })
	var tr *alwaysBehind
	_, err := newIn(t, a, "", func(repo *gitrepo.Repo) Remote {
		tr = &alwaysBehind{Remote: GitRemote{Repo: repo}}
		return tr
	})
	if err == nil || !strings.Contains(err.Error(), "other clones reserved first 10 times") || tr.pushes != 10 {
		t.Fatalf("after %d pushes: %v", tr.pushes, err)
	}
	if _, err := os.Stat(filepath.Join(a, "changes", "CR-0002.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a request was written without a reservation: %v", err)
	}
}

func TestRefusedPushChecksLocally(t *testing.T) {
	a, _ := twoClones(t)
	hook := filepath.Join(filepath.Dir(a), "origin.git", "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho no reservations here >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := newIn(t, a, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "CR-0002" || r.Reserved || !strings.Contains(r.Warning, "push "+ReservationsRef+" to origin") {
		t.Fatalf("got %+v", r)
	}
}
