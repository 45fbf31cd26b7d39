package gitrepo

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/estate-dev/estate/internal/load"
)

// TreeChange is one file that differs between two commits' trees.
type TreeChange struct {
	Action   string // "added", "deleted", "modified" or "renamed"
	From, To string // slash paths; From is empty when added, To when deleted
	// FromBlob and ToBlob are the blob ids on each side (empty when absent).
	FromBlob, ToBlob string
	// ToLink is set when the head side is a symbolic link; ToOther when it
	// is neither a regular file nor a link (a submodule). FromLink is set
	// when the base side is a link.
	ToLink, ToOther, FromLink bool
}

// Path is the path the change is known by: To, or From when deleted.
func (c TreeChange) Path() string {
	if c.To != "" {
		return c.To
	}
	return c.From
}

// DiffCommits compares the trees of two commits (not necessarily parent
// and child), tree by tree: a subtree with the same hash on both sides is
// skipped without being read, and only the trees that differ are decoded.
// (go-git's object.DiffTree skips equal subtrees in the comparison, but
// its tree walker decodes every child tree of each directory it lists: on
// a 100,000-record estate that is every class folder, twice, for a change
// in one of them. TestDiffCommitsMatchesDiffTree proves the two agree.)
//
// Only exact renames (the same blob at another path) are detected:
// records are small and alike, so content similarity pairs the wrong
// files (two laptops differ in a few lines); internal/change pairs the
// rest by what the records say (kind and id, or serial). Changes come
// sorted by path.
func (r *Repo) DiffCommits(ctx context.Context, base, head *Commit) ([]TreeChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := base.Hash[:7] + ".." + head.Hash[:7]
	bt, err := r.gogit.TreeObject(plumbing.NewHash(base.Tree))
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", base.Hash, err)
	}
	ht, err := r.gogit.TreeObject(plumbing.NewHash(head.Tree))
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", head.Hash, err)
	}
	var out []TreeChange
	if err := r.compareTrees(ctx, bt, ht, "", &out); err != nil {
		return nil, fmt.Errorf("diff %s: %w", name, err)
	}
	out = exactRenames(out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out, nil
}

// compareTrees appends the differences between trees a and b (either may be
// nil: absent) under prefix. r.mu is held.
func (r *Repo) compareTrees(ctx context.Context, a, b *object.Tree, prefix string, out *[]TreeChange) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	am := map[string]object.TreeEntry{}
	var names []string
	if a != nil {
		for _, e := range a.Entries {
			am[e.Name] = e
			names = append(names, e.Name)
		}
	}
	bm := map[string]object.TreeEntry{}
	if b != nil {
		for _, e := range b.Entries {
			bm[e.Name] = e
			if _, ok := am[e.Name]; !ok {
				names = append(names, e.Name)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		ea, inA := am[n]
		eb, inB := bm[n]
		if inA && inB && ea.Hash == eb.Hash && ea.Mode == eb.Mode {
			continue // equal: not read
		}
		p := prefix + n
		aDir, bDir := inA && ea.Mode == filemode.Dir, inB && eb.Mode == filemode.Dir
		var sa, sb *object.Tree
		var err error
		if aDir {
			if sa, err = r.gogit.TreeObject(ea.Hash); err != nil {
				return fmt.Errorf("read tree %s: %w", p, err)
			}
		}
		if bDir {
			if sb, err = r.gogit.TreeObject(eb.Hash); err != nil {
				return fmt.Errorf("read tree %s: %w", p, err)
			}
		}
		if aDir || bDir {
			if err := r.compareTrees(ctx, sa, sb, p+"/", out); err != nil {
				return err
			}
		}
		fileA, fileB := inA && !aDir, inB && !bDir
		switch {
		case fileA && fileB:
			*out = append(*out, fileChange("modified", p, ea, p, eb))
		case fileA:
			*out = append(*out, fileChange("deleted", p, ea, "", object.TreeEntry{}))
		case fileB:
			*out = append(*out, fileChange("added", "", object.TreeEntry{}, p, eb))
		}
	}
	return nil
}

func fileChange(action, from string, ea object.TreeEntry, to string, eb object.TreeEntry) TreeChange {
	tc := TreeChange{Action: action, From: from, To: to}
	if from != "" {
		tc.FromBlob = ea.Hash.String()
		tc.FromLink = ea.Mode == filemode.Symlink
	}
	if to != "" {
		tc.ToBlob = eb.Hash.String()
		switch eb.Mode {
		case filemode.Symlink:
			tc.ToLink = true
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
		default:
			tc.ToOther = true
		}
	}
	return tc
}

// exactRenames pairs a deleted and an added file with the same blob (and
// the same kind of entry) into a rename, preferring the same file name.
func exactRenames(cs []TreeChange) []TreeChange {
	deleted := map[string][]int{}
	for i, c := range cs {
		if c.Action == "deleted" {
			deleted[c.FromBlob] = append(deleted[c.FromBlob], i)
		}
	}
	if len(deleted) == 0 {
		return cs
	}
	drop := map[int]bool{}
	for j, c := range cs {
		if c.Action != "added" {
			continue
		}
		best := -1
		for _, i := range deleted[c.ToBlob] {
			if drop[i] || cs[i].FromLink != c.ToLink {
				continue
			}
			if best < 0 || path.Base(cs[i].From) == path.Base(c.To) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		d := cs[best]
		cs[j] = TreeChange{Action: "renamed", From: d.From, FromBlob: d.FromBlob, FromLink: d.FromLink,
			To: c.To, ToBlob: c.ToBlob, ToLink: c.ToLink, ToOther: c.ToOther}
		drop[best] = true
	}
	out := cs[:0:0]
	for i, c := range cs {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

// MergeBase returns the best common ancestor of a and b (the first, when
// criss-cross merges give several), or an error when they share none.
func (r *Repo) MergeBase(a, b *Commit) (*Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ac, err := r.gogit.CommitObject(plumbing.NewHash(a.Hash))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", a.Hash, err)
	}
	bc, err := r.gogit.CommitObject(plumbing.NewHash(b.Hash))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", b.Hash, err)
	}
	bases, err := ac.MergeBase(bc)
	if err != nil {
		return nil, fmt.Errorf("find merge base of %s and %s: %w", a.Hash[:7], b.Hash[:7], err)
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("find merge base of %s and %s: the commits share no history", a.Hash[:7], b.Hash[:7])
	}
	c := info(bases[0])
	return &c, nil
}

// Only returns a view of t that lists just the files under dirs (folders
// or files, slash paths) and the given files (as DiffCommits reported
// them: path, blob, link), so a plan over a few changed files of a large
// repository neither walks nor looks up every record. Files outside
// load.Roots are left out; links are resolved inside the tree as Entries
// does.
// With cat set, blobs are read through it (git cat-file) instead of
// go-git.
func (t *Tree) Only(dirs []string, files []load.Entry, cat *CatFile) load.Tree {
	return &subsetTree{t: t, dirs: dirs, files: files, cat: cat}
}

type subsetTree struct {
	t     *Tree
	dirs  []string
	files []load.Entry
	cat   *CatFile
}

func (s *subsetTree) Name() string { return s.t.Name() }

func (s *subsetTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	if s.cat == nil || e.Problem != "" {
		return s.t.ReadFile(e, max)
	}
	return s.cat.Read(e.Blob, max)
}

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
		if err := t.walkLocked(ctx, top, add); err != nil {
			return nil, err
		}
	}
	for _, f := range s.files {
		if !underRoots(f.Path) {
			continue
		}
		add(load.Entry{Path: f.Path, Blob: f.Blob, Link: f.Link, Problem: f.Problem})
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
