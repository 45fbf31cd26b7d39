package gitrepo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// clones makes a bare remote with one commit on refs/estate/ledger and
// two clones of it, a and b, each with the ref fetched; git CLI only.
func clones(t *testing.T) (remote string, a, b *Repo) {
	t.Helper()
	needGit(t)
	root := t.TempDir()
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	remote = filepath.Join(root, "remote.git")
	git(root, "init", "-q", "--bare", remote)
	seed := filepath.Join(root, "seed")
	git(root, "init", "-q", "-b", "main", seed)
	git(seed, "commit", "-q", "--allow-empty", "-m", "first")
	git(seed, "push", "-q", remote, "HEAD:refs/estate/ledger")
	open := func(name string) *Repo {
		dir := filepath.Join(root, name)
		git(root, "init", "-q", "-b", "main", dir)
		git(dir, "fetch", "-q", remote, "+refs/estate/ledger:refs/estate/ledger")
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		// a commit of its own on the ledger ref
		h := git(dir, "commit-tree", "-p", "refs/estate/ledger", "-m", name, "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
		git(dir, "update-ref", "refs/estate/ledger", h)
		return r
	}
	return remote, open("a"), open("b")
}

// TestPushRejectsNonFastForward: two clones push to one remote; the
// second is refused as a non-fast-forward, typed, until it fetches.
func TestPushRejectsNonFastForward(t *testing.T) {
	remote, a, b := clones(t)
	ctx := context.Background()
	const ref = "refs/estate/ledger"
	if err := a.Push(ctx, remote, ref+":"+ref); err != nil {
		t.Fatalf("first push: %v", err)
	}
	err := b.Push(ctx, remote, ref+":"+ref)
	var rej *RejectedError
	if !errors.Is(err, ErrNonFastForward) || !errors.As(err, &rej) || rej.Ref != ref || errors.Is(err, ErrRefChanged) {
		t.Fatalf("second push: %v (%T), want a non-fast-forward RejectedError for %s", err, err, ref)
	}
	// Fetched over, b has a's commit; pushing it again is no change.
	if err := b.Fetch(ctx, remote, "+"+ref+":"+ref); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if err := b.Push(ctx, remote, ref+":"+ref); err != nil {
		t.Fatalf("push after fetch: %v", err)
	}
	ah, _, _ := a.Ref(ref)
	bh, _, _ := b.Ref(ref)
	if ah != bh {
		t.Fatalf("a has %s, b %s", ah, bh)
	}
}

// TestFetchMissingRef: a ref the remote lacks is ErrNoRemoteRef; a
// remote that is not there is neither that nor a rejection.
func TestFetchMissingRef(t *testing.T) {
	remote, a, _ := clones(t)
	ctx := context.Background()
	err := a.Fetch(ctx, remote, "+refs/estate/other:refs/estate/other")
	if !errors.Is(err, ErrNoRemoteRef) {
		t.Fatalf("missing ref: %v, want ErrNoRemoteRef", err)
	}
	var ge *GitError
	if !errors.As(err, &ge) || ge.Stderr == "" {
		t.Errorf("missing ref: %v carries no stderr", err)
	}
	err = a.Fetch(ctx, filepath.Join(t.TempDir(), "nowhere.git"), "+refs/estate/ledger:refs/estate/ledger")
	if err == nil || errors.Is(err, ErrNoRemoteRef) || errors.Is(err, ErrNonFastForward) || errors.Is(err, ErrRefChanged) {
		t.Fatalf("no remote: %v", err)
	}
}

// TestPushToLockedRef: the remote's ref held by another writer's lock is
// a rejection that errors.Is ErrRefChanged (retry), not a failure.
func TestPushToLockedRef(t *testing.T) {
	remote, a, _ := clones(t)
	lock := filepath.Join(remote, "refs", "estate", "ledger.lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := a.Push(context.Background(), remote, "refs/estate/ledger:refs/estate/ledger")
	var rej *RejectedError
	if !errors.Is(err, ErrRefChanged) || !errors.As(err, &rej) || !rej.Remote {
		t.Fatalf("push to a locked ref: %v (%T), want a remote rejection that is ErrRefChanged", err, err)
	}
}
