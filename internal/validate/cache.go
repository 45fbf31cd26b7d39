package validate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/estate-dev/estate/internal/cachefile"
	"github.com/estate-dev/estate/internal/record"
)

// cacheVersion changes whenever what checkDoc computes changes, or the
// layout of the payload does.
const cacheVersion = 7

// cacheName names validate's cache in its container (internal/cachefile).
const cacheName = "validate"

// cacheEntry is the outcome of the YAML and schema layers for one blob.
type cacheEntry struct {
	Blob     string
	Record   *record.Record // without Path
	Findings []record.Finding
}

// cacheSlot holds an entry and whether this run used it (only used
// entries survive a rewrite of the base). used is set without the lock.
type cacheSlot struct {
	entry cacheEntry
	used  atomic.Bool
}

// statEntry remembers the blob id of a working-tree file by its size and
// modification time, as git's index does, so an unchanged file is not read.
type statEntry struct {
	Size    int64
	ModTime int64
	Blob    string
}

// Cache keeps per-blob results between runs, for one schema digest. It is
// two files: a base, rewritten now and then, and a small delta of what
// changed since, rewritten on every run that changes anything, each a
// checksummed container (internal/cachefile). A missing or stale cache is
// an empty one; a damaged one is too, with a warning: a cache never
// changes a result. It loads in the
// background from OpenCache on, so loading overlaps listing the tree.
type Cache struct {
	log     *slog.Logger
	ready   chan struct{}
	mu      sync.RWMutex
	path    string
	digest  string
	written int64 // when the cache was last written (Unix ns)
	entries map[string]*cacheSlot
	stats   map[string]statEntry
	// what this run used, and what it added since the base was written
	fresh      map[string]cacheEntry
	freshStats map[string]statEntry
	baseSize   int
}

type cacheFile struct {
	Version int
	Digest  string
	Written int64
	Entries []cacheEntry
	Stats   map[string]statEntry
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

// OpenCache starts reading the cache at path (base and delta).
func OpenCache(path string) *Cache { return OpenCacheLog(path, nil) }

// OpenCacheLog is OpenCache that warns on log (when not nil) of a cache
// file it drops because it is damaged.
func OpenCacheLog(path string, log *slog.Logger) *Cache {
	c := &Cache{log: log, path: path, ready: make(chan struct{}), entries: map[string]*cacheSlot{}, stats: map[string]statEntry{},
		fresh: map[string]cacheEntry{}, freshStats: map[string]statEntry{}}
	go func() {
		defer close(c.ready)
		base, ok := readCacheFile(log, path)
		if !ok {
			return
		}
		c.digest, c.written, c.stats = base.Digest, base.Written, base.Stats
		if c.stats == nil {
			c.stats = map[string]statEntry{}
		}
		for _, e := range base.Entries {
			c.entries[e.Blob] = &cacheSlot{entry: e}
		}
		c.baseSize = len(base.Entries)
		if delta, ok := readCacheFile(log, path+".delta"); ok && delta.Digest == c.digest && delta.Written >= c.written {
			for _, e := range delta.Entries {
				c.entries[e.Blob] = &cacheSlot{entry: e}
				c.fresh[e.Blob] = e
			}
			for p, s := range delta.Stats {
				c.stats[p] = s
				c.freshStats[p] = s
			}
			c.written = delta.Written
		}
	}()
	return c
}

// A cache file is a header and then shards, each a length-prefixed gob
// stream of part of the entries, so that the shards decode on all cores.
const cacheShards = 4

type cacheHeader struct {
	Version int
	Digest  string
	Written int64
	Shards  int
}

type cacheShard struct {
	Entries []cacheEntry
	Assets  []byte // asset entries without findings, in assetcodec's form
	Paths   []string
	Stats   []statEntry
}

func readCacheFile(log *slog.Logger, path string) (cacheFile, bool) {
	data, ok := cachefile.Load(log, path, cacheName, cacheVersion)
	if !ok {
		return cacheFile{}, false
	}
	cf, err := decodeCacheFile(data)
	if err != nil {
		cachefile.Invalid(log, path, cacheName, err)
		return cacheFile{}, false
	}
	return cf, true
}

var errCacheLayout = errors.New("the payload is not laid out as this estate writes it")

// decodeCacheFile decodes the payload of a cache file (checksummed: an
// error here is a bug, never a flipped bit).
func decodeCacheFile(data []byte) (cacheFile, error) {
	var cf cacheFile
	var hdr cacheHeader
	rest, ok := readChunk(data, &hdr)
	if !ok || hdr.Version != cacheVersion || hdr.Shards < 1 || hdr.Shards > 64 {
		return cf, errCacheLayout
	}
	chunks := make([][]byte, hdr.Shards)
	for i := range chunks {
		if len(rest) < 8 {
			return cf, errCacheLayout
		}
		n := binary.LittleEndian.Uint64(rest)
		if uint64(len(rest)-8) < n {
			return cf, errCacheLayout
		}
		chunks[i], rest = rest[8:8+n], rest[8+n:]
	}
	shards := make([]cacheShard, hdr.Shards)
	okAll := make([]bool, hdr.Shards)
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			okAll[i] = gob.NewDecoder(bytes.NewReader(chunks[i])).Decode(&shards[i]) == nil
		}()
	}
	wg.Wait()
	cf = cacheFile{Version: hdr.Version, Digest: hdr.Digest, Written: hdr.Written, Stats: map[string]statEntry{}}
	assets := make([][]cacheEntry, hdr.Shards)
	wg = sync.WaitGroup{}
	for i := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &rbuf{s: string(shards[i].Assets)}
			for len(r.s) > 0 && r.err == nil {
				assets[i] = append(assets[i], readAsset(r))
			}
			if r.err != nil {
				okAll[i] = false
			}
		}()
	}
	wg.Wait()
	for i, sh := range shards {
		if !okAll[i] || len(sh.Paths) != len(sh.Stats) {
			return cacheFile{}, errCacheLayout
		}
		cf.Entries = append(cf.Entries, sh.Entries...)
		cf.Entries = append(cf.Entries, assets[i]...)
		for j, p := range sh.Paths {
			cf.Stats[p] = sh.Stats[j]
		}
	}
	return cf, nil
}

func readChunk(data []byte, v any) ([]byte, bool) {
	if len(data) < 8 {
		return nil, false
	}
	n := binary.LittleEndian.Uint64(data)
	if uint64(len(data)-8) < n {
		return nil, false
	}
	if gob.NewDecoder(bytes.NewReader(data[8:8+n])).Decode(v) != nil {
		return nil, false
	}
	return data[8+n:], true
}

// lookup returns the cached result of an unchanged working-tree file, by
// its stat data, in one step.
func (c *Cache) lookup(digest, path string, size, modTime int64) (cacheEntry, bool) {
	if modTime == 0 {
		return cacheEntry{}, false
	}
	<-c.ready
	c.mu.RLock()
	s, ok := c.stats[path]
	if !ok || c.digest != digest || s.Size != size || s.ModTime != modTime || modTime >= c.written-int64(2*time.Second) {
		c.mu.RUnlock()
		return cacheEntry{}, false
	}
	slot, ok := c.entries[s.Blob]
	c.mu.RUnlock()
	if !ok {
		return cacheEntry{}, false
	}
	slot.used.Store(true)
	return slot.entry, true
}

func (c *Cache) putStat(path string, size, modTime int64, blob string) {
	if modTime == 0 {
		return
	}
	<-c.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	s := statEntry{Size: size, ModTime: modTime, Blob: blob}
	if c.stats[path] != s {
		c.stats[path] = s
		c.freshStats[path] = s
	}
}

func (c *Cache) get(digest, blob string) (cacheEntry, bool) {
	<-c.ready
	c.mu.RLock()
	if c.digest != digest {
		c.mu.RUnlock()
		return cacheEntry{}, false
	}
	slot, ok := c.entries[blob]
	c.mu.RUnlock()
	if !ok {
		return cacheEntry{}, false
	}
	slot.used.Store(true)
	return slot.entry, true
}

// has reports whether the cache holds blob's result, without marking it
// used (get does, when the file is checked).
func (c *Cache) has(digest, blob string) bool {
	<-c.ready
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.entries[blob]
	return ok && c.digest == digest
}

func (c *Cache) put(digest string, e cacheEntry) {
	<-c.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.digest != digest {
		c.digest, c.entries, c.fresh = digest, map[string]*cacheSlot{}, map[string]cacheEntry{}
		c.baseSize = 0
	}
	slot := &cacheSlot{entry: e}
	slot.used.Store(true)
	c.entries[e.Blob] = slot
	c.fresh[e.Blob] = e
}

// Save writes what this run added. While the delta is small next to the
// base, only the delta is rewritten; otherwise the base is rewritten with
// just the entries this run used, so the cache never outgrows the estate.
func (c *Cache) Save() error {
	<-c.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fresh) == 0 && len(c.freshStats) == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	if limit := max(2000, c.baseSize/10); len(c.fresh)+len(c.freshStats) < limit && len(c.fresh) < c.baseSize/10+1 {
		delta := cacheFile{Version: cacheVersion, Digest: c.digest, Written: now, Stats: c.freshStats}
		for _, e := range c.fresh {
			delta.Entries = append(delta.Entries, e)
		}
		return writeCacheFile(c.path+".delta", &delta)
	}
	base := cacheFile{Version: cacheVersion, Digest: c.digest, Written: now, Stats: c.stats,
		Entries: make([]cacheEntry, 0, len(c.entries))}
	for _, slot := range c.entries {
		if !slot.used.Load() {
			continue
		}
		base.Entries = append(base.Entries, slot.entry)
	}
	if err := writeCacheFile(c.path, &base); err != nil {
		return err
	}
	os.Remove(c.path + ".delta")
	c.baseSize, c.fresh, c.freshStats = len(base.Entries), map[string]cacheEntry{}, map[string]statEntry{}
	return nil
}

func writeCacheFile(path string, cf *cacheFile) error {
	shards := make([]cacheShard, cacheShards)
	bufs := make([]wbuf, cacheShards)
	for i, e := range cf.Entries {
		if compactable(e) {
			appendAsset(&bufs[i%cacheShards], e)
			continue
		}
		shards[i%cacheShards].Entries = append(shards[i%cacheShards].Entries, e)
	}
	for i := range shards {
		shards[i].Assets = bufs[i].b
	}
	i := 0
	for p, st := range cf.Stats {
		sh := &shards[i%cacheShards]
		sh.Paths, sh.Stats = append(sh.Paths, p), append(sh.Stats, st)
		i++
	}
	blobs := make([][]byte, cacheShards+1)
	errs := make([]error, cacheShards+1)
	var wg sync.WaitGroup
	for i := range blobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			if i == 0 {
				errs[i] = gob.NewEncoder(&b).Encode(cacheHeader{Version: cf.Version, Digest: cf.Digest, Written: cf.Written, Shards: cacheShards})
			} else {
				errs[i] = gob.NewEncoder(&b).Encode(&shards[i-1])
			}
			blobs[i] = b.Bytes()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("save cache: %w", err)
	}
	parts := make([][]byte, 0, 2*len(blobs))
	for _, b := range blobs {
		parts = append(parts, binary.LittleEndian.AppendUint64(nil, uint64(len(b))), b)
	}
	err := cachefile.Write(path, cacheName, cacheVersion, parts...)
	if errors.Is(err, fs.ErrPermission) {
		return nil // a read-only checkout: run without a cache
	}
	if err != nil {
		return fmt.Errorf("save cache: %w", err)
	}
	return nil
}
