package gitstore

import (
	"bufio"
	"context"
	"encoding/gob"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/estate-dev/estate/internal/atomicfile"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
)

// cached is the ledger as a read-only consumer keeps it between runs.
type cached struct {
	Version int
	Tip     string
	Entries []*ledger.Entry
}

const cacheVersion = 1

// Entries returns the ledger's entries that decode, oldest first, for
// readers that only report (history, report): they are cached in
// .git/estate/ by the ref's tip and extended by walking only the commits
// appended since. A ledger that was rewritten (the cached tip is no
// longer in its history) is read again in full. `estate ledger verify`
// never uses this: it reads and checks every commit.
func (s *Store) Entries(ctx context.Context) ([]*ledger.Entry, error) {
	tip, ok, err := s.Repo.Ref(s.Ref)
	if err != nil || !ok {
		return nil, err
	}
	path := s.cachePath()
	var c *cached
	if path != "" {
		c = loadCache(path)
	}
	if c != nil && c.Tip == tip {
		return c.Entries, nil
	}
	var fresh []*ledger.Entry
	met := false
	err = s.Repo.FirstParents(ctx, tip, func(ci gitrepo.CommitInfo) error {
		if c != nil && ci.Hash == c.Tip {
			met = true
			return gitrepo.ErrStop
		}
		if st := ledger.FromCommit(ci.Hash, len(ci.Parents), ci.Message); st.Entry != nil {
			fresh = append(fresh, st.Entry)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(fresh)
	out := fresh
	if met {
		out = append(c.Entries[:len(c.Entries):len(c.Entries)], fresh...)
	}
	if path != "" {
		saveCache(path, &cached{Version: cacheVersion, Tip: tip, Entries: out}) // best effort
	}
	return out, nil
}

func (s *Store) cachePath() string {
	dir, err := s.Repo.GitDir()
	if err != nil {
		return ""
	}
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(s.Ref)
	return filepath.Join(dir, "estate", "ledger-"+name+".cache")
}

func loadCache(path string) *cached {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var c cached
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&c) != nil || c.Version != cacheVersion {
		return nil
	}
	return &c
}

func saveCache(path string, c *cached) error {
	return atomicfile.Write(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(c) })
}
