package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/estate-dev/estate/internal/load"
)

// StreamedTree is a Tree whose files, once Prefetch names them, are read
// ahead through git cat-file processes in pipelined batches: no round
// trip per file, and one process per core. Files it was not asked to
// prefetch are read through go-git as by Tree.
type StreamedTree struct {
	*Tree
	cats  []*CatFile
	max   int64
	slots map[string]*blobSlot // by blob id; fixed once Prefetch returns
}

type blobSlot struct {
	done chan struct{}
	data []byte
	err  error
}

// ReadAhead returns t read the fastest way this machine has: its blobs
// streamed ahead through one git cat-file per core when git is
// installed, else read through one go-git handle per core (opened on
// dir). done stops the readers.
func (t *Tree) ReadAhead(ctx context.Context, dir string) (tree load.Tree, done func()) {
	var cats []*CatFile
	for range runtime.GOMAXPROCS(0) {
		cat, err := t.repo.StartCatFile(ctx)
		if err != nil {
			break
		}
		cats = append(cats, cat)
	}
	if len(cats) > 0 {
		return t.Streamed(load.DefaultLimits.MaxFileBytes, cats...), func() {
			for _, c := range cats {
				c.Close()
			}
		}
	}
	readers := []BlobReader{t.repo}
	var extra []*Repo
	for i := 1; i < runtime.GOMAXPROCS(0); i++ {
		r, err := Open(dir)
		if err != nil {
			break
		}
		extra = append(extra, r)
		readers = append(readers, r)
	}
	return t.Pooled(readers...), func() {
		for _, r := range extra {
			r.Close()
		}
	}
}

// Streamed returns t reading ahead through cats (from StartCatFile; the
// caller closes them after the last read), refusing blobs over max bytes.
func (t *Tree) Streamed(max int64, cats ...*CatFile) *StreamedTree {
	return &StreamedTree{Tree: t, cats: cats, max: max}
}

// Prefetch implements load.Prefetcher: the blobs of entries are dealt out
// to the processes in turn, so they arrive in about the order of entries.
// It must be called at most once, before the reads it serves.
func (s *StreamedTree) Prefetch(ctx context.Context, entries []load.Entry) {
	if s.slots != nil || len(s.cats) == 0 {
		return
	}
	s.slots = make(map[string]*blobSlot, len(entries))
	ids := make([][]string, len(s.cats))
	for _, e := range entries {
		if e.Problem != "" || e.Link || !isHex40(e.Blob) || s.slots[e.Blob] != nil {
			continue
		}
		s.slots[e.Blob] = &blobSlot{done: make(chan struct{})}
		i := len(s.slots) % len(s.cats)
		ids[i] = append(ids[i], e.Blob)
	}
	for i, cat := range s.cats {
		if len(ids[i]) == 0 {
			continue
		}
		go func(cat *CatFile, ids []string) {
			n := 0
			err := cat.Stream(ctx, ids, s.max, func(id string, data []byte, err error) error {
				sl := s.slots[id]
				sl.data, sl.err = data, err
				close(sl.done)
				n++
				return nil
			})
			// Whatever the stream did not reach fails with its error.
			if err == nil {
				err = errors.New("git cat-file did not answer")
			}
			for _, id := range ids[n:] {
				sl := s.slots[id]
				sl.err = fmt.Errorf("read blob %s: %w", id, err)
				close(sl.done)
			}
		}(cat, ids[i])
	}
}

// ReadFile implements load.Tree.
func (s *StreamedTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	sl := s.slots[e.Blob]
	if sl == nil || e.Problem != "" || e.Link {
		return s.Tree.ReadFile(e, max)
	}
	<-sl.done
	switch {
	case errors.Is(sl.err, load.ErrTooLarge) && (max <= 0 || max > s.max):
		return s.Tree.ReadFile(e, max) // refused under a lower limit than this read's
	case errors.Is(sl.err, load.ErrTooLarge):
		return nil, sl.err
	case sl.err != nil:
		// git could not read it (stopped, or refused the repository):
		// go-git reads it, or says why it cannot.
		return s.Tree.ReadFile(e, max)
	case max > 0 && int64(len(sl.data)) > max:
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, len(sl.data), max)
	}
	return sl.data, nil
}

var _ load.Prefetcher = (*StreamedTree)(nil)
