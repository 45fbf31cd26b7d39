package gitrepo

import (
	"errors"

	"github.com/estate-dev/estate/internal/load"
)

// PooledTree is a Tree whose files are read through several repository
// handles at once (a go-git Repository serialises its reads), so reading
// 20,000 records uses every core.
type PooledTree struct {
	*Tree
	readers chan *Repo
}

// Pooled returns t reading its blobs through readers (other handles on
// the same repository, e.g. from OpenRepo) as well as its own.
func (t *Tree) Pooled(readers ...*Repo) *PooledTree {
	ch := make(chan *Repo, len(readers)+1)
	ch <- t.repo
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
