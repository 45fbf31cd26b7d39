package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"

	"github.com/estate-dev/estate/internal/load"
)

// Repo is an opened git repository. It is safe for concurrent use (its
// go-git reads are serialised); its owner closes it.
type Repo struct {
	mu    sync.Mutex
	gogit *git.Repository
	st    *filesystem.Storage // closed by Close; nil when not opened by Open
	Root  string              // the working tree's directory, if any
	dir   string              // the directory it was opened at
}

// Open opens the repository that holds dir (dir itself or a parent; a
// bare repository at dir too). It keeps pack files open between reads
// (go-git otherwise opens and closes the pack for every object): the
// caller closes it with Close when done.
func Open(dir string) (*Repo, error) {
	g, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		var err2 error
		if g, err2 = git.PlainOpen(dir); err2 != nil {
			return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
		}
	}
	root := ""
	if wt, err := g.Worktree(); err == nil {
		root = wt.Filesystem.Root()
	}
	r := &Repo{gogit: g, Root: root, dir: dir}
	gd, err := r.gitDir()
	if err != nil {
		return r, nil
	}
	var dotgitFS billy.Filesystem = osfs.New(gd)
	if common, err := os.ReadFile(filepath.Join(gd, "commondir")); err == nil {
		// A linked worktree (git worktree add): its HEAD and index are
		// its own, its refs and objects the common directory's.
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gd, c)
		}
		dotgitFS = dotgit.NewRepositoryFilesystem(dotgitFS, osfs.New(c))
	}
	st := filesystem.NewStorageWithOptions(dotgitFS, cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	var wt billy.Filesystem
	if root != "" {
		wt = osfs.New(root)
	}
	kept, err := git.Open(st, wt)
	if err != nil {
		return r, nil
	}
	return &Repo{gogit: kept, st: st, Root: root, dir: dir}, nil
}

// Close releases the files r keeps open. r must not be used after.
func (r *Repo) Close() error {
	if r == nil || r.st == nil {
		return nil
	}
	return r.st.Close()
}

// Resolve returns the commit a revision names (a branch, tag, HEAD, a
// hash or any expression go-git understands, e.g. HEAD~2).
func (r *Repo) Resolve(rev string) (*Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.gogit.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("resolve revision %q: %w", rev, err)
	}
	c, err := r.gogit.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	ci := info(c)
	return &ci, nil
}

// Tree returns the tree of the commit rev names.
func (r *Repo) Tree(rev string) (*Tree, error) {
	c, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	return r.CommitTree(c, rev)
}

// CommitTree returns the tree of commit c; name says how it was named.
func (r *Repo) CommitTree(c *Commit, name string) (*Tree, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := r.gogit.TreeObject(plumbing.NewHash(c.Tree))
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", c.Hash, err)
	}
	return &Tree{repo: r, tree: t, commit: c, name: fmt.Sprintf("%s (%s)", name, c.Hash[:7])}, nil
}

// Tree is the tree of one commit.
type Tree struct {
	repo   *Repo
	tree   *object.Tree
	commit *Commit
	name   string
}

// Commit returns the commit the tree belongs to.
func (t *Tree) Commit() *Commit { return t.commit }

// Name implements load.Tree.
func (t *Tree) Name() string { return t.name }

// Entries implements load.Tree: every file under load.Roots.
func (t *Tree) Entries(ctx context.Context) ([]load.Entry, error) {
	// git is the fast way; go-git the way that always works (git refuses
	// a repository another user owns, for one: "dubious ownership").
	out, err := t.entriesGit(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.repo.mu.Lock()
	defer t.repo.mu.Unlock()
	if err != nil {
		if out, err = t.entriesGoGit(ctx); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	for i := range out {
		if out[i].Link {
			t.resolveLocked(&out[i])
		}
	}
	return out, nil
}

// entriesGoGit lists the files of t under load.Roots by walking its
// trees with go-git. t.repo.mu is held.
func (t *Tree) entriesGoGit(ctx context.Context) ([]load.Entry, error) {
	var out []load.Entry
	for _, top := range load.Roots {
		if err := t.walkLocked(ctx, top, func(e load.Entry) { out = append(out, e) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// walkLocked calls add for every file at or under top (a file or a
// folder of the tree; absent is fine). t.repo.mu is held.
func (t *Tree) walkLocked(ctx context.Context, top string, add func(load.Entry)) error {
	e, err := t.tree.FindEntry(top)
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list %s: %w", top, err)
	}
	if e.Mode != filemode.Dir {
		add(t.entry(top, *e))
		return nil
	}
	sub, err := t.repo.gogit.TreeObject(e.Hash)
	if err != nil {
		return fmt.Errorf("read tree %s: %w", top, err)
	}
	w := object.NewTreeWalker(sub, true, nil)
	defer w.Close()
	// Nothing is checked out: a name go-git would refuse to materialise
	// is a finding on the file (PathProblem), not a failed walk.
	w.SkipPathValidation()
	for {
		name, te, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("walk %s: %w", top, err)
		}
		if te.Mode == filemode.Dir || te.Mode == filemode.Submodule {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		e := t.entry(top+"/"+name, te)
		if p := PathProblem(e.Path); p != "" {
			e.Problem = p
		}
		add(e)
	}
}

func (t *Tree) entry(p string, te object.TreeEntry) load.Entry {
	e := load.Entry{Path: p, Blob: te.Hash.String()}
	switch te.Mode {
	case filemode.Symlink:
		e.Link = true
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
	default:
		e.Problem = "not a regular file"
	}
	return e
}

// resolveLocked follows a symlink inside the tree; its target is checked
// to stay in the repository before anything is read. t.repo.mu is held.
func (t *Tree) resolveLocked(e *load.Entry) {
	cur := e.Path
	hash := plumbing.NewHash(e.Blob)
	for hop := 0; hop < 8; hop++ {
		b, err := t.repo.gogit.BlobObject(hash)
		if err != nil || b.Size > 4096 {
			e.Problem = "symbolic link cannot be read"
			return
		}
		rd, err := b.Reader()
		if err != nil {
			e.Problem = "symbolic link cannot be read"
			return
		}
		target, _ := io.ReadAll(rd)
		rd.Close()
		next, ok := load.Inside(cur, string(target))
		if !ok {
			e.Problem = "symbolic link points outside the repository"
			return
		}
		te, err := t.tree.FindEntry(next)
		if err != nil {
			e.Problem = "symbolic link is broken"
			return
		}
		switch te.Mode {
		case filemode.Symlink:
			cur, hash = next, te.Hash
			continue
		case filemode.Dir:
			e.Problem = "symbolic link to a directory is not followed"
			return
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
			e.Target, e.Blob = next, te.Hash.String()
			return
		}
		e.Problem = "symbolic link to something that is not a file"
		return
	}
	e.Problem = "symbolic link chain is too long"
}

// ReadFile implements load.Tree.
func (t *Tree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	if e.Problem != "" {
		return nil, errors.New(e.Problem)
	}
	return t.repo.ReadBlob(e.Blob, max)
}

// ReadBlob returns a blob's bytes, refusing one over max bytes unread.
func (r *Repo) ReadBlob(id string, max int64) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := plumbing.NewHash(id)
	// The size from the object's header first: a huge blob is refused
	// before it is inflated.
	if max > 0 {
		if size, err := r.gogit.Storer.EncodedObjectSize(h); err == nil && size > max {
			return nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, size, max)
		}
	}
	b, err := r.gogit.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	if max > 0 && b.Size > max {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, b.Size, max)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	defer rd.Close()
	var buf bytes.Buffer
	buf.Grow(int(b.Size))
	if _, err := io.Copy(&buf, rd); err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	return buf.Bytes(), nil
}

// ShortName returns a revision name fit for messages.
func ShortName(rev string) string { return strings.TrimPrefix(rev, "refs/heads/") }
