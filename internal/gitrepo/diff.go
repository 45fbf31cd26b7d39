package gitrepo

import (
	"context"
	"fmt"
	"io"
	pathpkg "path"
	"sort"

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
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	to, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	var from *object.Tree
	if len(c.ParentHashes) > 0 {
		p, err := r.gogit.CommitObject(c.ParentHashes[0])
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

// RenameSource returns the path that commit renamed or copied to path
// (against its first parent), or "" when path was added afresh. It does
// what `git log --follow` does where the followed path appears
// (diffcore-rename.c with copy detection and find_copies_harder): path is
// the only destination and every file of the parent's tree a source.
// Exact matches first: a removed file over a kept one, then the same base
// name, then path order. Else git's similarity (diffcore-delta), keeping
// the four best candidates as git does, a removed file (a rename) taken
// before a kept one (a copy), at 50% or more.
func (r *Repo) RenameSource(ctx context.Context, commit, path string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
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
	dstEntry, err := to.FindEntry(path)
	if err != nil {
		return "", nil
	}
	p, err := r.gogit.CommitObject(c.ParentHashes[0])
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", c.ParentHashes[0], err)
	}
	from, err := p.Tree()
	if err != nil {
		return "", fmt.Errorf("read tree of %s: %w", p.Hash, err)
	}
	if _, err := from.FindEntry(path); err == nil {
		return "", nil // not added: modified
	}
	chs, err := object.DiffTreeWithOptions(ctx, from, to, &object.DiffTreeOptions{})
	if err != nil {
		return "", fmt.Errorf("diff trees: %w", err)
	}
	removed := map[string]bool{}
	for _, ch := range chs {
		if ch.To.Name == "" {
			removed[ch.From.Name] = true
		}
	}
	type source struct {
		path    string
		hash    plumbing.Hash
		removed bool
	}
	var sources []source
	w := object.NewTreeWalker(from, true, nil)
	for {
		name, te, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Close()
			return "", fmt.Errorf("walk tree of %s: %w", p.Hash, err)
		}
		if te.Mode.IsFile() {
			sources = append(sources, source{name, te.Hash, removed[name]})
		}
	}
	w.Close()
	base := pathpkg.Base(path)
	sameBase := func(p string) int {
		if pathpkg.Base(p) == base {
			return 1
		}
		return 0
	}
	// Exact: the same blob.
	best, bestScore := "", -1
	for _, s := range sources {
		if s.hash != dstEntry.Hash {
			continue
		}
		sc := sameBase(s.path)
		if s.removed {
			sc++
		}
		if sc > bestScore {
			best, bestScore = s.path, sc
		}
	}
	if best != "" {
		return best, nil
	}
	dstData, err := r.blobLocked(dstEntry.Hash)
	if err != nil {
		return "", err
	}
	dst := fingerprint(dstData)
	type cand struct {
		src, score, name int
		used             bool
	}
	// git's record_if_better over NUM_CANDIDATE_PER_DST slots.
	var slots [4]cand
	worse := func(a, b cand) bool { // score_compare(a, b) > 0
		if !a.used {
			return b.used
		}
		if !b.used {
			return false
		}
		if a.score == b.score {
			return b.name > a.name
		}
		return b.score > a.score
	}
	for j, s := range sources {
		if j%256 == 0 {
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
		obj, err := r.gogit.Storer.EncodedObject(plumbing.BlobObject, s.hash)
		if err != nil {
			return "", fmt.Errorf("read blob %s: %w", s.hash, err)
		}
		sc := 0
		if srcSize := int(obj.Size()); sizeAllows(srcSize, len(dstData)) {
			data, err := r.blobLocked(s.hash)
			if err != nil {
				return "", err
			}
			sc = score(fingerprint(data), len(data), dst, len(dstData))
		}
		o := cand{src: j, score: sc, name: sameBase(s.path), used: true}
		worst := 0
		for i := 1; i < len(slots); i++ {
			if worse(slots[i], slots[worst]) {
				worst = i
			}
		}
		if worse(slots[worst], o) {
			slots[worst] = o
		}
	}
	ranked := slots[:]
	sort.SliceStable(ranked, func(i, j int) bool { return worse(ranked[j], ranked[i]) })
	for _, copies := range []bool{false, true} {
		for _, m := range ranked {
			if !m.used || m.score < minimumScore {
				break
			}
			if copies || sources[m.src].removed {
				return sources[m.src].path, nil
			}
		}
	}
	return "", nil
}

// blobLocked reads a blob; r.mu is held.
func (r *Repo) blobLocked(h plumbing.Hash) ([]byte, error) {
	b, err := r.gogit.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer rd.Close()
	return io.ReadAll(rd)
}
