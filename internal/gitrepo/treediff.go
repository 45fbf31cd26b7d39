package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"

	"github.com/estate-dev/estate/internal/load"
)

// TreeChange is one file that differs between two commits' trees.
type TreeChange struct {
	Action   string // "added", "deleted", "modified" or "renamed"
	From, To string // slash paths; From is empty when added, To when deleted
	// FromBlob and ToBlob are the blob ids on each side (empty when absent).
	FromBlob, ToBlob string
	// ToLink is set when the head side is a symbolic link; ToOther when it
	// is neither a regular file nor a link (a submodule).
	ToLink, ToOther bool
}

// Path is the path the change is known by: To, or From when deleted.
func (c TreeChange) Path() string {
	if c.To != "" {
		return c.To
	}
	return c.From
}

// DiffCommits compares the trees of two commits (not necessarily parent
// and child) with object.DiffTree, which skips equal subtrees without
// reading them. Only exact renames (the same blob at another path) are
// detected: records are small and alike, so content similarity pairs the
// wrong files (two laptops differ in a few lines); internal/change pairs
// the rest by what the records say (kind and id, or serial). Changes come
// sorted by path.
func (r *Repo) DiffCommits(ctx context.Context, base, head *object.Commit) ([]TreeChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := base.Hash.String()[:7] + ".." + head.Hash.String()[:7]
	bt, err := base.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", base.Hash, err)
	}
	ht, err := head.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", head.Hash, err)
	}
	changes, err := object.DiffTreeWithOptions(ctx, bt, ht, &object.DiffTreeOptions{
		DetectRenames: true, OnlyExactRenames: true,
	})
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", name, err)
	}
	out := make([]TreeChange, 0, len(changes))
	for _, c := range changes {
		action, err := c.Action()
		if err != nil {
			return nil, fmt.Errorf("diff %s: %w", name, err)
		}
		tc := TreeChange{From: c.From.Name, To: c.To.Name}
		if c.From.Name != "" {
			tc.FromBlob = c.From.TreeEntry.Hash.String()
		}
		if c.To.Name != "" {
			tc.ToBlob = c.To.TreeEntry.Hash.String()
			switch c.To.TreeEntry.Mode {
			case filemode.Symlink:
				tc.ToLink = true
			case filemode.Regular, filemode.Executable, filemode.Deprecated:
			default:
				tc.ToOther = true
			}
		}
		switch {
		case action == merkletrie.Insert:
			tc.Action = "added"
		case action == merkletrie.Delete:
			tc.Action = "deleted"
		case tc.From != tc.To:
			tc.Action = "renamed"
		default:
			tc.Action = "modified"
		}
		out = append(out, tc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out, nil
}

// MergeBase returns the best common ancestor of a and b (the first, when
// criss-cross merges give several), or an error when they share none.
func (r *Repo) MergeBase(a, b *object.Commit) (*object.Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	bases, err := a.MergeBase(b)
	if err != nil {
		return nil, fmt.Errorf("find merge base of %s and %s: %w", a.Hash.String()[:7], b.Hash.String()[:7], err)
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("find merge base of %s and %s: the commits share no history", a.Hash.String()[:7], b.Hash.String()[:7])
	}
	return bases[0], nil
}

// Only returns a view of t that lists just the files under dirs (folders
// or files, slash paths) and the files named in paths. It reads only those
// subtrees, so a plan over a few changed files of a large repository does
// not walk every record. Paths that do not exist in t are left out.
func (t *Tree) Only(dirs, paths []string) load.Tree {
	return &subsetTree{t: t, dirs: dirs, paths: paths}
}

type subsetTree struct {
	t     *Tree
	dirs  []string
	paths []string
}

func (s *subsetTree) Name() string { return s.t.Name() }

func (s *subsetTree) ReadFile(e load.Entry, max int64) ([]byte, error) { return s.t.ReadFile(e, max) }

func (s *subsetTree) Entries(ctx context.Context) ([]load.Entry, error) {
	t := s.t
	t.repo.mu.Lock()
	defer t.repo.mu.Unlock()
	seen := map[string]bool{}
	var out []load.Entry
	add := func(e load.Entry) {
		if !seen[e.Path] {
			seen[e.Path] = true
			out = append(out, e)
		}
	}
	for _, top := range s.dirs {
		e, err := t.tree.FindEntry(top)
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", top, err)
		}
		if e.Mode != filemode.Dir {
			add(t.entry(top, *e))
			continue
		}
		sub, err := t.repo.Git.TreeObject(e.Hash)
		if err != nil {
			return nil, fmt.Errorf("read tree %s: %w", top, err)
		}
		w := object.NewTreeWalker(sub, true, nil)
		for {
			name, te, err := w.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				w.Close()
				return nil, fmt.Errorf("walk %s: %w", top, err)
			}
			if te.Mode == filemode.Dir || te.Mode == filemode.Submodule {
				continue
			}
			if err := ctx.Err(); err != nil {
				w.Close()
				return nil, err
			}
			add(t.entry(top+"/"+name, te))
		}
		w.Close()
	}
	for _, p := range s.paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !underRoots(p) {
			continue
		}
		e, err := t.tree.FindEntry(p)
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find %s: %w", p, err)
		}
		if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
			continue
		}
		add(t.entry(p, *e))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	for i := range out {
		if out[i].Link {
			t.resolveLocked(&out[i])
		}
	}
	return out, nil
}

func underRoots(p string) bool {
	for _, r := range load.Roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}
