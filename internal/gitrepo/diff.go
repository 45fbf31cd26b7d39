package gitrepo

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// FileChange is one file a commit changed against its first parent.
type FileChange struct {
	Action   string // added, modified, removed, renamed
	From, To string // paths; From is "" when added, To is "" when removed
	FromBlob string
	ToBlob   string
}

// Path is the file's path after the change (before it, when removed).
func (c FileChange) Path() string {
	if c.To != "" {
		return c.To
	}
	return c.From
}

// Changes diffs commit against its first parent (against nothing for a
// root commit), tree by tree (equal subtrees are skipped). With renames,
// git's rename detection pairs removed and added files (50% similarity).
func (r *Repo) Changes(ctx context.Context, commit string, renames bool) ([]FileChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.Git.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	to, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	var from *object.Tree
	if len(c.ParentHashes) > 0 {
		p, err := r.Git.CommitObject(c.ParentHashes[0])
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", c.ParentHashes[0], err)
		}
		if from, err = p.Tree(); err != nil {
			return nil, fmt.Errorf("read tree of %s: %w", p.Hash, err)
		}
	}
	return r.diffTrees(ctx, from, to, renames)
}

// diffTrees diffs two trees (either may be nil). r.mu is held.
func (r *Repo) diffTrees(ctx context.Context, from, to *object.Tree, renames bool) ([]FileChange, error) {
	opts := &object.DiffTreeOptions{}
	if renames {
		opts = &object.DiffTreeOptions{DetectRenames: true, RenameScore: 50} // git's default score
	}
	chs, err := object.DiffTreeWithOptions(ctx, from, to, opts)
	if err != nil {
		return nil, fmt.Errorf("diff trees: %w", err)
	}
	out := make([]FileChange, 0, len(chs))
	for _, ch := range chs {
		fc := FileChange{From: ch.From.Name, To: ch.To.Name}
		if !ch.From.TreeEntry.Hash.IsZero() {
			fc.FromBlob = ch.From.TreeEntry.Hash.String()
		}
		if !ch.To.TreeEntry.Hash.IsZero() {
			fc.ToBlob = ch.To.TreeEntry.Hash.String()
		}
		switch {
		case fc.From == "":
			fc.Action = "added"
		case fc.To == "":
			fc.Action = "removed"
		case fc.From != fc.To:
			fc.Action = "renamed"
		default:
			fc.Action = "modified"
		}
		out = append(out, fc)
	}
	return out, nil
}

// RenameSource returns the path that commit renamed to path (against its
// first parent), or "" when path was added afresh. Like `git log
// --follow`, only path is a rename target and every file the commit
// removed is a candidate source: an exact match first, else the most
// similar file at 50% or more.
func (r *Repo) RenameSource(ctx context.Context, commit, path string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.Git.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", commit, err)
	}
	if len(c.ParentHashes) == 0 {
		return "", nil
	}
	to, err := c.Tree()
	if err != nil {
		return "", fmt.Errorf("read tree of %s: %w", commit, err)
	}
	p, err := r.Git.CommitObject(c.ParentHashes[0])
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", c.ParentHashes[0], err)
	}
	from, err := p.Tree()
	if err != nil {
		return "", fmt.Errorf("read tree of %s: %w", p.Hash, err)
	}
	chs, err := object.DiffTreeWithOptions(ctx, from, to, &object.DiffTreeOptions{})
	if err != nil {
		return "", fmt.Errorf("diff trees: %w", err)
	}
	var subset object.Changes
	found := false
	for _, ch := range chs {
		switch {
		case ch.From.Name == "" && ch.To.Name == path:
			subset = append(subset, ch)
			found = true
		case ch.To.Name == "" && ch.From.Name != "":
			subset = append(subset, ch)
		}
	}
	if !found || len(subset) < 2 {
		return "", nil
	}
	renamed, err := object.DetectRenames(subset, &object.DiffTreeOptions{DetectRenames: true, RenameScore: 50})
	if err != nil {
		return "", fmt.Errorf("detect renames in %s: %w", commit, err)
	}
	for _, ch := range renamed {
		if ch.To.Name == path && ch.From.Name != "" && ch.From.Name != path {
			return ch.From.Name, nil
		}
	}
	return "", nil
}
