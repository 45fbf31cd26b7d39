package gittest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Repo is a repository a test builds.
type Repo struct {
	t   testing.TB
	Dir string
	r   *git.Repository
	wt  *git.Worktree // nil for a bare repository
}

// Init makes dir a new repository with a working tree whose HEAD is
// refs/heads/main.
func Init(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{t: t, Dir: dir, r: r, wt: wt}
}

// InitBare makes dir a new bare repository.
func InitBare(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := git.PlainInit(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{t: t, Dir: dir, r: r}
}

// Add stages the file at path (slash-separated, relative to Dir).
func (r *Repo) Add(path string) {
	r.t.Helper()
	if _, err := r.wt.Add(path); err != nil {
		r.t.Fatal(err)
	}
}

// AddAll stages every change of the working tree, removals included.
func (r *Repo) AddAll() {
	r.t.Helper()
	if err := r.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
}

// Signature is who made a commit, and when.
type Signature struct {
	Name, Email string
	When        time.Time
}

// CommitOptions say how Commit commits.
type CommitOptions struct {
	Author    Signature
	Committer Signature // zero: the author
	// SignKey, when set, signs the commit.
	SignKey *openpgp.Entity
	// Parents, when set, are the commit's parents instead of HEAD.
	Parents []string
	// All stages every tracked file's change first (git commit -a).
	All bool
	// AllowEmpty commits a tree equal to its parent's.
	AllowEmpty bool
}

// Commit commits what is staged on HEAD's branch and returns its hash.
func (r *Repo) Commit(msg string, o CommitOptions) string {
	r.t.Helper()
	if o.Committer == (Signature{}) {
		o.Committer = o.Author
	}
	var parents []plumbing.Hash
	for _, p := range o.Parents {
		parents = append(parents, plumbing.NewHash(p))
	}
	h, err := r.wt.Commit(msg, &git.CommitOptions{
		Author:    &object.Signature{Name: o.Author.Name, Email: o.Author.Email, When: o.Author.When},
		Committer: &object.Signature{Name: o.Committer.Name, Email: o.Committer.Email, When: o.Committer.When},
		SignKey:   o.SignKey, Parents: parents, All: o.All, AllowEmptyCommits: o.AllowEmpty,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return h.String()
}

// Open opens the repository at dir (made by Init, or by git) to commit to.
func Open(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{t: t, Dir: dir, r: r, wt: wt}
}

// NeedCLI skips a test that needs the git command when it is not
// installed, and fails it under CI=true, where a missing git is a
// missing service, never a pass.
func NeedCLI(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed, and CI=true needs it")
		}
		t.Skip("git is not installed")
	}
}

// CLI runs the git command in dir (NeedCLI first) as a fixed author and
// committer, with the user's and the system's git configuration ignored,
// and returns its output, trimmed; a failure fails the test.
func CLI(t testing.TB, dir string, args ...string) string {
	t.Helper()
	NeedCLI(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}
