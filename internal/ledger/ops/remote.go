package ops

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Remote moves the ledger's ref between this repository and a remote.
type Remote interface {
	// Fetch sets the local ref to the remote's (forced: the remote holds
	// the ledger of record). A remote without the ref is not an error.
	Fetch(ctx context.Context, remote, ref string) error
	// Push sets the remote's ref to commit, a fast-forward only.
	Push(ctx context.Context, remote, commit, ref string) error
}

// ErrRaced says another writer moved the ledger's ref first (on the
// remote, or on this repository's own ref): fetch, append again and push
// again. Errors of a Remote that lost such a race satisfy errors.Is(err,
// ErrRaced).
var ErrRaced = errors.New("another writer moved the ledger's ref first")

// GitError is a git command of GitCLI that failed, with what git said.
type GitError struct {
	Args   []string
	Err    error
	Output string
	// Raced reports that git refused because the ref moved under it.
	Raced bool
}

func (e *GitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.Args, " "), e.Err, strings.TrimSpace(e.Output))
}
func (e *GitError) Unwrap() error        { return e.Err }
func (e *GitError) Is(target error) bool { return e.Raced && target == ErrRaced }

// GitCLI is the Remote of a repository, run with the git CLI (which
// brings the user's credentials, transports and remotes).
type GitCLI struct {
	GitDir string // the repository's git directory
	Dir    string // where git runs: a remote given as a path is relative to it
}

// raceSigns are what git prints when a ref moved under it: a push
// rejected as not a fast-forward, or a local ref locked or changed by
// another process during a fetch.
var raceSigns = []string{"[rejected]", "non-fast-forward", "fetch first", "failed to update ref", "cannot lock ref", "reference changed concurrently"}

// git is the one place the ledger runs the git CLI.
func (g GitCLI) git(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--git-dir", g.GitDir}, args...)...)
	cmd.Dir = g.Dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	ge := &GitError{Args: args, Err: err, Output: string(out)}
	for _, s := range raceSigns {
		ge.Raced = ge.Raced || strings.Contains(ge.Output, s)
	}
	return ge
}

// Fetch runs git fetch remote +ref:ref.
func (g GitCLI) Fetch(ctx context.Context, remote, ref string) error {
	err := g.git(ctx, "fetch", "--quiet", remote, "+"+ref+":"+ref)
	var ge *GitError
	if errors.As(err, &ge) && strings.Contains(ge.Output, "couldn't find remote ref") {
		return nil // the remote has no ledger yet
	}
	return err
}

// Push runs git push remote commit:ref.
func (g GitCLI) Push(ctx context.Context, remote, commit, ref string) error {
	return g.git(ctx, "push", "--quiet", "--porcelain", remote, commit+":"+ref)
}
