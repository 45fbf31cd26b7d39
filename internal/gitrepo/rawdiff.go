package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// rawEntry is one entry of a tree object, pointing into its bytes.
type rawEntry struct {
	name []byte
	dir  bool
	mode []byte
	hash plumbing.Hash
}

// key orders entries as git does: a folder as if its name ended in "/".
func (e rawEntry) less(o rawEntry) int {
	n := min(len(e.name), len(o.name))
	if c := bytes.Compare(e.name[:n], o.name[:n]); c != 0 {
		return c
	}
	at := func(x rawEntry, i int) byte {
		if i < len(x.name) {
			return x.name[i]
		}
		if x.dir {
			return '/'
		}
		return 0
	}
	a, b := at(e, n), at(o, n)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	if len(e.name) == len(o.name) && e.dir == o.dir {
		return 0
	}
	return bytes.Compare(e.name, o.name)
}

// readTree returns the entries of a tree object without decoding it into
// go-git's Tree (no allocation per entry but the slice). r.mu is held.
func (r *Repo) readTree(h plumbing.Hash) ([]rawEntry, error) {
	if h.IsZero() {
		return nil, nil
	}
	obj, err := r.gogit.Storer.EncodedObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	data := make([]byte, obj.Size())
	_, err = io.ReadFull(rd, data)
	rd.Close()
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	out := make([]rawEntry, 0, len(data)/40+1) // an entry is about 40 bytes
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		nul := bytes.IndexByte(data, 0)
		if sp < 0 || nul < sp || len(data) < nul+21 {
			return nil, fmt.Errorf("read tree %s: malformed entry", h)
		}
		e := rawEntry{mode: data[:sp], name: data[sp+1 : nul]}
		e.dir = bytes.Equal(e.mode, []byte("40000"))
		copy(e.hash[:], data[nul+1:nul+21])
		out = append(out, e)
		data = data[nul+21:]
	}
	return out, nil
}

// TreeChanges lists the files that differ between two trees (hashes;
// "" is the empty tree), recursing only into subtrees whose hashes
// differ: what `git diff-tree -r` lists, without rename detection.
func (r *Repo) TreeChanges(ctx context.Context, from, to string) ([]FileChange, error) {
	return r.TreeChangesCached(ctx, nil, from, to)
}

// TreeCache keeps parsed tree objects between calls of
// TreeChangesCached: walking a history, a commit's trees are the next
// commit's parent trees. It holds up to about 64 MiB of tree objects.
type TreeCache struct {
	m     map[plumbing.Hash]cachedTree
	bytes int
	tick  int
}

type cachedTree struct {
	entries []rawEntry
	size    int
	used    int
}

const treeCacheBytes = 64 << 20

func (c *TreeCache) get(h plumbing.Hash) ([]rawEntry, bool) {
	if c == nil {
		return nil, false
	}
	t, ok := c.m[h]
	if ok {
		c.tick++
		t.used = c.tick
		c.m[h] = t
	}
	return t.entries, ok
}

func (c *TreeCache) put(h plumbing.Hash, es []rawEntry, size int) {
	if c == nil {
		return
	}
	if c.m == nil {
		c.m = map[plumbing.Hash]cachedTree{}
	}
	for c.bytes+size > treeCacheBytes && len(c.m) > 0 {
		// Evict the least recently used half: cheap, and rare.
		var ticks []int
		for _, t := range c.m {
			ticks = append(ticks, t.used)
		}
		sort.Ints(ticks)
		cut := ticks[len(ticks)/2]
		for k, t := range c.m {
			if t.used <= cut {
				c.bytes -= t.size
				delete(c.m, k)
			}
		}
	}
	c.tick++
	c.m[h] = cachedTree{entries: es, size: size, used: c.tick}
	c.bytes += size
}

// TreeChangesCached is TreeChanges with a cache of parsed trees (nil:
// none).
func (r *Repo) TreeChangesCached(ctx context.Context, cache *TreeCache, from, to string) ([]FileChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []FileChange
	err := r.diffRaw(ctx, cache, "", hashOf(from), hashOf(to), &out)
	return out, err
}

// readTreeCached is readTree through cache. r.mu is held.
func (r *Repo) readTreeCached(cache *TreeCache, h plumbing.Hash) ([]rawEntry, error) {
	if es, ok := cache.get(h); ok {
		return es, nil
	}
	es, err := r.readTree(h)
	if err == nil && !h.IsZero() {
		cache.put(h, es, len(es)*80)
	}
	return es, err
}

func hashOf(s string) plumbing.Hash {
	if s == "" {
		return plumbing.ZeroHash
	}
	return plumbing.NewHash(s)
}

func (r *Repo) diffRaw(ctx context.Context, cache *TreeCache, prefix string, a, b plumbing.Hash, out *[]FileChange) error {
	if a == b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	as, err := r.readTreeCached(cache, a)
	if err != nil {
		return err
	}
	bs, err := r.readTreeCached(cache, b)
	if err != nil {
		return err
	}
	side := func(e rawEntry, removed bool) error {
		p := prefix + string(e.name)
		if e.dir {
			if removed {
				return r.diffRaw(ctx, cache, p+"/", e.hash, plumbing.ZeroHash, out)
			}
			return r.diffRaw(ctx, cache, p+"/", plumbing.ZeroHash, e.hash, out)
		}
		if removed {
			*out = append(*out, FileChange{Action: "removed", From: p, FromBlob: e.hash.String()})
		} else {
			*out = append(*out, FileChange{Action: "added", To: p, ToBlob: e.hash.String()})
		}
		return nil
	}
	i, j := 0, 0
	for i < len(as) || j < len(bs) {
		var c int
		switch {
		case i == len(as):
			c = 1
		case j == len(bs):
			c = -1
		default:
			c = as[i].less(bs[j])
		}
		switch {
		case c < 0:
			if err := side(as[i], true); err != nil {
				return err
			}
			i++
		case c > 0:
			if err := side(bs[j], false); err != nil {
				return err
			}
			j++
		default:
			x, y := as[i], bs[j]
			i, j = i+1, j+1
			if x.hash == y.hash && bytes.Equal(x.mode, y.mode) {
				continue
			}
			if x.dir {
				if err := r.diffRaw(ctx, cache, prefix+string(x.name)+"/", x.hash, y.hash, out); err != nil {
					return err
				}
				continue
			}
			p := prefix + string(x.name)
			*out = append(*out, FileChange{Action: "modified", From: p, To: p, FromBlob: x.hash.String(), ToBlob: y.hash.String()})
		}
	}
	return nil
}

// PathHash returns the hash of path in a tree (a tree hash), reading only
// the trees along the path; ok is false when there is no such entry.
func (r *Repo) PathHash(tree, path string) (hash string, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := hashOf(tree)
	for len(path) > 0 {
		seg := path
		rest := ""
		if i := bytes.IndexByte([]byte(path), '/'); i >= 0 {
			seg, rest = path[:i], path[i+1:]
		}
		es, err := r.readTree(h)
		if err != nil {
			return "", false, err
		}
		found := false
		for _, e := range es {
			if string(e.name) == seg && (rest == "" || e.dir) {
				h, found = e.hash, true
				break
			}
		}
		if !found {
			return "", false, nil
		}
		path = rest
	}
	return h.String(), true, nil
}
