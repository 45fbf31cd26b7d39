package gitrepo

import (
	"errors"

	"github.com/estate-dev/estate/internal/load"
)

// BlobReader reads one blob by id, refusing one over max bytes with
// load.ErrTooLarge: a Repo (go-git) or a CatFile (git cat-file --batch).
type BlobReader interface {
	ReadBlob(id string, max int64) ([]byte, error)
}

// PooledTree is a Tree whose files are read through several readers at
// once (a go-git Repository, and a git cat-file process, serve one read
// at a time), so reading 20,000 records uses every core.
type PooledTree struct {
	*Tree
	readers chan BlobReader
}

// Pooled returns t reading its blobs through readers (other handles on
// the same repository, e.g. from OpenRepo, or git cat-file processes
// from StartCatFile); with none, through t's own repository.
func (t *Tree) Pooled(readers ...BlobReader) *PooledTree {
	if len(readers) == 0 {
		readers = []BlobReader{t.repo}
	}
	ch := make(chan BlobReader, len(readers))
	for _, r := range readers {
		ch <- r
	}
	return &PooledTree{Tree: t, readers: ch}
}

// ReadFile implements load.Tree.
func (p *PooledTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	if e.Problem != "" {
		return nil, errors.New(e.Problem)
	}
	r := <-p.readers
	defer func() { p.readers <- r }()
	return r.ReadBlob(e.Blob, max)
}
