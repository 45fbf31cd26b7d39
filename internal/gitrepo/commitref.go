package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// HasRemote reports whether the repository's configuration names a
// remote called name.
func (r *Repo) HasRemote(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.gogit.Remote(name)
	return err == nil
}

// HeadBranch is the short name of the branch HEAD is on; ok is false on a
// detached HEAD. It asks git (which knows linked worktrees' own HEADs),
// else reads HEAD itself.
func (r *Repo) HeadBranch(ctx context.Context) (string, bool) {
	if g, err := r.Git(); err == nil {
		out, err := g.Output(ctx, "symbolic-ref", "--quiet", "--short", "HEAD")
		if b := strings.TrimSpace(string(out)); err == nil && b != "" {
			return b, true
		}
		if !errors.Is(err, ErrNoGit) {
			return "", false
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, err := r.gogit.Storer.Reference(plumbing.HEAD)
	if err != nil || ref.Type() != plumbing.SymbolicReference || !ref.Target().IsBranch() {
		return "", false
	}
	return ref.Target().Short(), true
}

// Author is who git would name as the author of a commit made here (git
// var GIT_AUTHOR_IDENT: the environment, then the configuration), with
// When set to now.
func (r *Repo) Author(ctx context.Context) (Signature, error) {
	g, err := r.Git()
	if err != nil {
		return Signature{}, err
	}
	out, err := g.Output(ctx, "var", "GIT_AUTHOR_IDENT")
	if err != nil {
		return Signature{}, err
	}
	// "Name <email> seconds zone"
	s := strings.TrimSpace(string(out))
	name, rest, ok := strings.Cut(s, " <")
	email, _, ok2 := strings.Cut(rest, ">")
	if !ok || !ok2 {
		return Signature{}, fmt.Errorf("git var GIT_AUTHOR_IDENT: cannot read %q", s)
	}
	return Signature{Name: name, Email: email, When: time.Now()}, nil
}

// reindex makes go-git see pack files a git command wrote since the
// repository was opened (a fetch of many objects writes a pack).
func (r *Repo) reindex() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.gogit.Storer.(*filesystem.Storage); ok {
		st.Reindex()
	}
}
