package gitstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/estate-dev/estate/internal/cachefile"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
)

// cached is the ledger as a read-only consumer keeps it between runs.
type cached struct {
	Version int
	Tip     string
	Entries []*ledger.Entry
}

// cacheVersion is the format of the payload; the file is a checksummed
// container (internal/cachefile), so a damaged cache is dropped and the
// ledger read again.
const cacheVersion = 2

const cacheName = "ledger"

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
	data, ok := cachefile.Load(slog.Default(), path, cacheName, cacheVersion)
	if !ok {
		return nil
	}
	var c cached
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil || c.Version != cacheVersion {
		cachefile.Invalid(slog.Default(), path, cacheName, cmp.Or(err, cachefile.ErrVersion))
		return nil
	}
	return &c
}

func saveCache(path string, c *cached) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(c); err != nil {
		return err
	}
	return cachefile.Write(path, cacheName, cacheVersion, b.Bytes())
}
