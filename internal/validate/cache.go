package validate

import (
	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/estate-dev/estate/internal/record"
)

// cacheVersion changes whenever what checkDoc computes changes.
const cacheVersion = 1

// cacheEntry is the outcome of the YAML and schema layers for one blob.
type cacheEntry struct {
	Blob     string
	Record   *record.Record // without Path
	Findings []record.Finding
}

// Cache keeps per-blob results between runs, for one schema digest. It is
// a plain file; a missing, stale or unreadable cache is an empty one.
type Cache struct {
	mu      sync.Mutex
	path    string
	digest  string
	entries map[string]cacheEntry
	touched map[string]bool
	dirty   bool
}

type cacheFile struct {
	Version int
	Digest  string
	Entries []cacheEntry
}

// DefaultCachePath is where the cache of the repository at root lives:
// inside its .git directory when there is one (so git ignores it), else
// under the user's cache directory.
func DefaultCachePath(root string) string {
	if info, err := os.Stat(filepath.Join(root, ".git")); err == nil && info.IsDir() {
		return filepath.Join(root, ".git", "estate", "validate.cache")
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	abs, _ := filepath.Abs(root)
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "estate", hex.EncodeToString(sum[:8]), "validate.cache")
}

// OpenCache reads the cache at path, or starts an empty one.
func OpenCache(path string) *Cache {
	c := &Cache{path: path, entries: map[string]cacheEntry{}, touched: map[string]bool{}}
	f, err := os.Open(path)
	if err != nil {
		return c
	}
	defer f.Close()
	var cf cacheFile
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<16)).Decode(&cf); err != nil || cf.Version != cacheVersion {
		return c
	}
	c.digest = cf.Digest
	for _, e := range cf.Entries {
		c.entries[e.Blob] = e
	}
	return c
}

func (c *Cache) get(digest, blob string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.digest != digest {
		return cacheEntry{}, false
	}
	e, ok := c.entries[blob]
	if ok {
		c.touched[blob] = true
	}
	return e, ok
}

func (c *Cache) put(digest string, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.digest != digest {
		c.digest, c.entries, c.touched = digest, map[string]cacheEntry{}, map[string]bool{}
	}
	c.entries[e.Blob] = e
	c.touched[e.Blob] = true
	c.dirty = true
}

// Save writes the entries used by this run (others are dropped, so the
// cache never outgrows the estate), atomically.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && len(c.touched) == len(c.entries) {
		return nil
	}
	cf := cacheFile{Version: cacheVersion, Digest: c.digest, Entries: make([]cacheEntry, 0, len(c.touched))}
	for b := range c.touched {
		cf.Entries = append(cf.Entries, c.entries[b])
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("save cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".validate-*.tmp")
	if err != nil {
		return fmt.Errorf("save cache: %w", err)
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	err = gob.NewEncoder(w).Encode(&cf)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if errors.Is(err, fs.ErrPermission) {
			return nil // a read-only checkout: run without a cache
		}
		return fmt.Errorf("save cache: %w", err)
	}
	c.dirty = false
	return nil
}
