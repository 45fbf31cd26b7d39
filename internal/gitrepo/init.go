package gitrepo

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Enclosing returns the root of the working tree of the git repository
// that holds dir (dir itself or a parent), and false when dir is in none.
func Enclosing(dir string) (string, bool, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	wt, err := r.Worktree()
	if err != nil {
		// A bare repository has no working tree: dir is in it all the same.
		return dir, true, nil
	}
	return wt.Filesystem.Root(), true, nil
}

// Init makes dir a new, empty git repository (no commits) whose HEAD
// points at branch (e.g. "main").
func Init(dir, branch string) (*Repo, error) {
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(branch)},
	})
	if err != nil {
		return nil, fmt.Errorf("initialise git repository at %s: %w", dir, err)
	}
	root := dir
	if wt, err := r.Worktree(); err == nil {
		root = wt.Filesystem.Root()
	}
	return &Repo{gogit: r, Root: root, dir: dir}, nil
}
