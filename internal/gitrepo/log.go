package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is what estate reads of a commit: gitrepo hands out this, never
// go-git's type. Hashes are 40 lower-case hex digits.
type Commit struct {
	Hash          string
	Parents       []string // the first parent first
	Tree          string
	Subject       string // the message's first line
	Message       string
	AuthorName    string
	AuthorEmail   string
	AuthorTime    time.Time
	CommitterName string
	Committer     string    // the committer's email
	Time          time.Time // the committer's time
	Signed        bool      // carries a PGP signature (checked or not)
}

// CommitInfo is the former name of Commit.
type CommitInfo = Commit

// FirstParent returns c's first parent, "" for a root commit.
func (c *Commit) FirstParent() string {
	if len(c.Parents) == 0 {
		return ""
	}
	return c.Parents[0]
}

func info(c *object.Commit) Commit {
	ps := make([]string, len(c.ParentHashes))
	for i, p := range c.ParentHashes {
		ps[i] = p.String()
	}
	subject, _, _ := strings.Cut(c.Message, "\n")
	return Commit{Hash: c.Hash.String(), Parents: ps, Tree: c.TreeHash.String(), Subject: subject, Message: c.Message,
		AuthorName: c.Author.Name, AuthorEmail: c.Author.Email, AuthorTime: c.Author.When,
		CommitterName: c.Committer.Name, Committer: c.Committer.Email, Time: c.Committer.When, Signed: c.PGPSignature != ""}
}

// ErrStop ends a walk early without an error.
var ErrStop = errors.New("stop walking")

// Commit reads one commit.
func (r *Repo) Commit(hash string) (Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(hash))
	if err != nil {
		return Commit{}, fmt.Errorf("read commit %s: %w", hash, err)
	}
	return info(c), nil
}

// FirstParents calls fn for from and each of its first parents, newest
// first, until fn returns ErrStop (not an error) or the root is reached.
func (r *Repo) FirstParents(ctx context.Context, from string, fn func(Commit) error) error {
	h := plumbing.NewHash(from)
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r.mu.Lock()
		c, err := r.gogit.CommitObject(h)
		r.mu.Unlock()
		if err != nil {
			return fmt.Errorf("read commit %s: %w", h, err)
		}
		if err := fn(info(c)); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
		if len(c.ParentHashes) == 0 {
			return nil
		}
		h = c.ParentHashes[0]
	}
}

// FileAt returns the bytes and blob id of path in commit's tree; ok is
// false when there is no such file.
func (r *Repo) FileAt(commit, path string, max int64) (data []byte, blob string, ok bool, err error) {
	r.mu.Lock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		r.mu.Unlock()
		return nil, "", false, fmt.Errorf("read commit %s: %w", commit, err)
	}
	t, err := c.Tree()
	if err != nil {
		r.mu.Unlock()
		return nil, "", false, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	e, err := t.FindEntry(path)
	r.mu.Unlock()
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("find %s in %s: %w", path, commit, err)
	}
	if !e.Mode.IsFile() {
		return nil, "", false, nil
	}
	data, err = r.ReadBlob(e.Hash.String(), max)
	if err != nil {
		return nil, "", false, err
	}
	return data, e.Hash.String(), true, nil
}

// VerifySignature checks commit's OpenPGP signature against an armored
// key ring: "valid", "unsigned", or "invalid" with the reason.
func (r *Repo) VerifySignature(commit, armoredKeyRing string) (status, reason string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return "", "", fmt.Errorf("read commit %s: %w", commit, err)
	}
	if c.PGPSignature == "" {
		return "unsigned", "", nil
	}
	if _, err := c.Verify(armoredKeyRing); err != nil {
		return "invalid", err.Error(), nil
	}
	return "valid", "", nil
}

// RefLog walks the commits of a ref from its tip, following first
// parents, newest first (for the ledger ref, which is linear).
func (r *Repo) RefLog(ctx context.Context, ref string, fn func(Commit) error) error {
	h, ok, err := r.Ref(ref)
	if err != nil || !ok {
		return err
	}
	return r.FirstParents(ctx, h, fn)
}

// BlobAt returns the blob id of path in commit's tree without reading
// the blob; ok is false when there is no such file.
func (r *Repo) BlobAt(commit, path string) (blob string, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.gogit.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return "", false, fmt.Errorf("read commit %s: %w", commit, err)
	}
	t, err := c.Tree()
	if err != nil {
		return "", false, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	e, err := t.FindEntry(path)
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("find %s in %s: %w", path, commit, err)
	}
	return e.Hash.String(), e.Mode.IsFile(), nil
}
