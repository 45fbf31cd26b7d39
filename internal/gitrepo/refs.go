package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrRefChanged says a compare-and-swap of a ref lost a race: the ref no
// longer held the value the writer read.
var ErrRefChanged = errors.New("reference changed concurrently")

// Ref returns the commit a ref points at; ok is false when it does not exist.
func (r *Repo) Ref(name string) (hash string, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, err := r.gogit.Storer.Reference(plumbing.ReferenceName(name))
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read ref %s: %w", name, err)
	}
	return ref.Hash().String(), true, nil
}

// gitDir is the directory of the repository's git files.
func (r *Repo) gitDir() (string, error) {
	st, ok := r.gogit.Storer.(*filesystem.Storage)
	if !ok {
		return "", errors.New("the repository is not on disk")
	}
	return st.Filesystem().Root(), nil
}

// UpdateRef moves ref name from old to new atomically, the way git does:
// it takes <ref>.lock with O_EXCL (so git itself and other estate processes
// wait their turn), checks the ref still holds old ("" = must not exist),
// writes new into the lock file and renames it over the ref. A lost race
// returns ErrRefChanged; a held lock is retried for up to ten seconds.
func (r *Repo) UpdateRef(name, newHash, oldHash string) error {
	if !strings.HasPrefix(name, "refs/") || strings.Contains(name, "..") {
		return fmt.Errorf("update ref %s: not a ref name", name)
	}
	dir, err := r.gitDir()
	if err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	refPath := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	lockPath := refPath + ".lock"
	var lock *os.File
	for wait := time.Millisecond; ; wait *= 2 {
		lock, err = os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || wait > 5*time.Second {
			return fmt.Errorf("update ref %s: lock: %w", name, err)
		}
		time.Sleep(wait)
	}
	done := false
	defer func() {
		if !done {
			lock.Close()
			os.Remove(lockPath)
		}
	}()
	cur, exists, err := r.Ref(name)
	if err != nil {
		return err
	}
	if (oldHash == "" && exists) || (oldHash != "" && cur != oldHash) {
		return fmt.Errorf("update ref %s: %w", name, ErrRefChanged)
	}
	if _, err := io.WriteString(lock, newHash+"\n"); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	if err := lock.Sync(); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	if err := lock.Close(); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	if err := os.Rename(lockPath, refPath); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	done = true
	return nil
}

// ReadFiles returns every file of commit's tree (path → bytes), each at
// most max bytes.
func (r *Repo) ReadFiles(commit string, max int64) (map[string][]byte, error) {
	files, err := r.ListFiles(commit)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		data, err := r.ReadBlob(f.Blob, max)
		if err != nil {
			return nil, fmt.Errorf("read %s of %s: %w", f.Path, commit, err)
		}
		out[f.Path] = data
	}
	return out, nil
}

// FileBlob is one file of a tree: its path and its blob's id.
type FileBlob struct{ Path, Blob string }

// ListFiles lists the files ReadFiles reads from commit's tree, without
// reading them (to read them another way, e.g. a CatFile's Stream).
func (r *Repo) ListFiles(commit string) ([]FileBlob, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	var files []FileBlob
	w := object.NewTreeWalker(t, true, nil)
	defer w.Close()
	for {
		name, te, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("walk tree of %s: %w", commit, err)
		}
		if te.Mode.IsFile() {
			files = append(files, FileBlob{name, te.Hash.String()})
		}
	}
	return files, nil
}

// Signature is who made a commit and when.
type Signature struct {
	Name, Email string
	When        time.Time
}

// CommitFiles writes a commit whose tree is parent's tree (empty when
// parent is "") with files added or replaced, and returns its hash. No ref
// moves; see UpdateRef.
func (r *Repo) CommitFiles(parent string, files map[string][]byte, msg string, sig Signature) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var root *object.Tree
	var parents []plumbing.Hash
	if parent != "" {
		c, err := r.gogit.CommitObject(plumbing.NewHash(parent))
		if err != nil {
			return "", fmt.Errorf("read commit %s: %w", parent, err)
		}
		if root, err = c.Tree(); err != nil {
			return "", fmt.Errorf("read tree of %s: %w", parent, err)
		}
		parents = []plumbing.Hash{c.Hash}
	}
	// Group the files by folder, then write the trees bottom up.
	tree, err := r.writeTree(root, "", files)
	if err != nil {
		return "", err
	}
	s := object.Signature{Name: sig.Name, Email: sig.Email, When: sig.When}
	c := &object.Commit{Author: s, Committer: s, Message: msg, TreeHash: tree, ParentHashes: parents}
	obj := r.gogit.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return "", fmt.Errorf("encode commit: %w", err)
	}
	h, err := r.gogit.Storer.SetEncodedObject(obj)
	if err != nil {
		return "", fmt.Errorf("write commit: %w", err)
	}
	return h.String(), nil
}

// writeTree writes base (may be nil) with files (paths relative to it)
// replaced, and returns the new tree's hash. r.mu is held.
func (r *Repo) writeTree(base *object.Tree, prefix string, files map[string][]byte) (plumbing.Hash, error) {
	entries := map[string]object.TreeEntry{}
	if base != nil {
		for _, e := range base.Entries {
			entries[e.Name] = e
		}
	}
	sub := map[string]map[string][]byte{}
	for p, data := range files {
		dir, rest, nested := strings.Cut(p, "/")
		if nested {
			if sub[dir] == nil {
				sub[dir] = map[string][]byte{}
			}
			sub[dir][rest] = data
			continue
		}
		obj := r.gogit.Storer.NewEncodedObject()
		obj.SetType(plumbing.BlobObject)
		w, err := obj.Writer()
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write blob %s%s: %w", prefix, p, err)
		}
		w.Write(data)
		w.Close()
		h, err := r.gogit.Storer.SetEncodedObject(obj)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write blob %s%s: %w", prefix, p, err)
		}
		entries[p] = object.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h}
	}
	for dir, fs := range sub {
		var baseSub *object.Tree
		if e, ok := entries[dir]; ok && e.Mode == filemode.Dir {
			t, err := r.gogit.TreeObject(e.Hash)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("read tree %s%s: %w", prefix, dir, err)
			}
			baseSub = t
		}
		h, err := r.writeTree(baseSub, prefix+dir+"/", fs)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries[dir] = object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h}
	}
	t := &object.Tree{}
	for _, e := range entries {
		t.Entries = append(t.Entries, e)
	}
	// git orders a folder as if its name ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	obj := r.gogit.Storer.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree %s: %w", prefix, err)
	}
	h, err := r.gogit.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree %s: %w", prefix, err)
	}
	return h, nil
}

// GitDir returns the directory that holds the repository's git files
// (.git, or the bare repository itself).
func (r *Repo) GitDir() (string, error) { return r.gitDir() }
