package load

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Roots are the top-level paths of a repository that hold records.
var Roots = []string{"estate.yaml", "schema", "inventory", "policies", "changes", "problems"}

// Entry is one file of a tree.
type Entry struct {
	Path string // slash-separated, relative to the repository root
	Size int64
	// Blob is the git blob id of the file's bytes when the tree knows it
	// without reading the file (a git revision); empty otherwise.
	Blob string
	// Link is set for a symbolic link; Target is where it points, resolved
	// and checked to stay in the repository (empty when it does not).
	Link   bool
	Target string
	// ModTime is the file's modification time (Unix ns) in a working
	// tree; zero in a git revision.
	ModTime int64
	// Problem is set when the entry cannot be read safely (a symlink out of
	// the repository, a symlinked directory); its bytes are never read.
	Problem string
}

// Tree is one revision of an estate repository.
// Prefetcher is a Tree that can read files ahead: Prefetch starts reading
// entries (in order, in the background) and returns at once; ReadFile of
// one of them then waits for its bytes instead of reading them itself.
// A git tree read through git cat-file streams them this way, which is
// several times faster than a read per file.
type Prefetcher interface {
	Prefetch(ctx context.Context, entries []Entry)
}

type Tree interface {
	// Entries lists the files under Roots, sorted by path. A working tree
	// (Dir) also lists the YAML files outside them that could be records
	// put in the wrong place (see Outside).
	Entries(ctx context.Context) ([]Entry, error)
	// ReadFile returns the bytes of a file listed by Entries (for a link,
	// of its target), refusing any file larger than max bytes.
	ReadFile(e Entry, max int64) ([]byte, error)
	// Name says what the tree is, e.g. "working tree" or "HEAD (1a2b3c4)".
	Name() string
}

// ErrTooLarge is returned by ReadFile for a file over the size limit.
var ErrTooLarge = errors.New("file too large")

// BlobID returns the git blob id (SHA-1) of data, as git hash-object does.
func BlobID(data []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Dir is a working tree on disk. Reads go through os.Root, so no path can
// leave the directory even if the tree changes while it is read.
type Dir struct {
	root string
	r    *os.Root
	subs sync.Map // folder (slash path) -> *os.Root, so a read is one openat
}

// OpenDir opens the working tree at dir.
func OpenDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open estate: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open estate: %w", err)
	}
	return &Dir{root: abs, r: r}, nil
}

// Root returns the directory's absolute path.
func (d *Dir) Root() string { return d.root }

// Name implements Tree.
func (d *Dir) Name() string { return "working tree" }

// Close releases the directory.
func (d *Dir) Close() error {
	d.subs.Range(func(_, r any) bool { r.(*os.Root).Close(); return true })
	return d.r.Close()
}

// Entries implements Tree. The folders are listed first (names and types
// only), then the files' stat data is read by one goroutine per core, which
// matters at 100,000 files: inside an os.Root, ReadDir would stat every
// entry one after another.
//
// Listing uses plain paths, but it only learns names: every stat and read
// goes through the os.Root, so a folder swapped for a link between the two
// cannot lead anything out of the repository.
func (d *Dir) Entries(ctx context.Context) ([]Entry, error) {
	var out []Entry
	var files []int // indexes into out of the regular files to stat
	var list func(dir string) error
	list = func(dir string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(d.root, filepath.FromSlash(dir)))
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		des, err := f.ReadDir(-1) // unsorted: the entries are sorted once, at the end
		f.Close()
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, de := range des {
			p := dir + "/" + de.Name()
			switch t := de.Type(); {
			case t.IsDir():
				if err := list(p); err != nil {
					return err
				}
			case t&fs.ModeSymlink != 0:
				e := Entry{Path: p, Link: true}
				target, err := d.r.Readlink(filepath.FromSlash(p))
				if err != nil {
					return fmt.Errorf("read link %s: %w", p, err)
				}
				d.resolve(&e, target)
				out = append(out, e)
			case t.IsRegular():
				files = append(files, len(out))
				out = append(out, Entry{Path: p})
			default:
				out = append(out, Entry{Path: p, Problem: "not a regular file"})
			}
		}
		return nil
	}
	for _, top := range Roots {
		info, err := d.r.Lstat(top)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("list %s: %w", top, err)
		case info.Mode()&fs.ModeSymlink != 0:
			// A root that is itself a link (changes -> ../elsewhere) is
			// an entry like any other link: resolved, never walked.
			e := Entry{Path: top, Link: true}
			target, err := d.r.Readlink(top)
			if err != nil {
				return nil, fmt.Errorf("read link %s: %w", top, err)
			}
			d.resolve(&e, target)
			out = append(out, e)
		case info.IsDir():
			if err := list(top); err != nil {
				return nil, err
			}
		case info.Mode().IsRegular():
			out = append(out, Entry{Path: top, Size: info.Size(), ModTime: info.ModTime().UnixNano()})
		default:
			out = append(out, Entry{Path: top, Problem: "not a regular file"})
		}
	}
	strays, err := d.strays(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, strays...)
	if err := d.statAll(ctx, out, files); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// statAll fills in the size and modification time of out[i] for i in
// files, on all cores, each stat relative to its folder's os.Root.
func (d *Dir) statAll(ctx context.Context, out []Entry, files []int) error {
	workers := runtime.GOMAXPROCS(0) * 2
	chunk := (len(files) + workers - 1) / workers
	if chunk < 256 {
		chunk = 256
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for start := 0; start < len(files); start += chunk {
		part := files[start:min(start+chunk, len(files))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range part {
				if ctx.Err() != nil {
					return
				}
				e := &out[i]
				dir, name := path.Split(e.Path)
				r, err := d.sub(strings.TrimSuffix(dir, "/"))
				var info fs.FileInfo
				if err == nil {
					info, err = r.Lstat(name)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("list %s: %w", e.Path, err)
					}
					mu.Unlock()
					return
				}
				if !info.Mode().IsRegular() {
					e.Problem = "not a regular file" // it changed since it was listed
					continue
				}
				e.Size, e.ModTime = info.Size(), info.ModTime().UnixNano()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// resolve follows a link (and links it points to, up to 8) inside the
// tree. A link whose target leaves the repository gets a Problem and its
// target is never read or echoed.
func (d *Dir) resolve(e *Entry, target string) {
	cur := e.Path
	for hop := 0; hop < 8; hop++ {
		next, ok := Inside(cur, target)
		if !ok {
			e.Problem = "symbolic link points outside the repository"
			return
		}
		info, err := d.r.Lstat(filepath.FromSlash(next))
		if err != nil {
			e.Problem = "symbolic link is broken"
			return
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			t, err := d.r.Readlink(filepath.FromSlash(next))
			if err != nil {
				e.Problem = "symbolic link cannot be read"
				return
			}
			cur, target = next, t
			continue
		case info.IsDir():
			e.Problem = "symbolic link to a directory is not followed"
			return
		case !info.Mode().IsRegular():
			e.Problem = "symbolic link to something that is not a file"
			return
		}
		e.Target, e.Size = next, info.Size()
		return
	}
	e.Problem = "symbolic link chain is too long"
}

// Inside resolves a link at linkPath with the given target, and reports
// whether the result stays inside the repository. Absolute targets never do.
func Inside(linkPath, target string) (string, bool) {
	target = filepath.ToSlash(target)
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) || filepath.VolumeName(target) != "" {
		return "", false
	}
	p := path.Join(path.Dir(linkPath), target)
	if p == ".." || strings.HasPrefix(p, "../") || p == "." {
		return "", false
	}
	return p, true
}

// ReadFile implements Tree.
func (d *Dir) ReadFile(e Entry, max int64) ([]byte, error) {
	if e.Problem != "" {
		return nil, errors.New(e.Problem)
	}
	p := e.Path
	if e.Link {
		p = e.Target
	}
	dir, name := path.Split(p)
	r := d.r
	if dir != "" {
		sub, err := d.sub(strings.TrimSuffix(dir, "/"))
		if err != nil {
			return nil, err
		}
		r = sub
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, e.Size, max)
}

// sub returns the root of a folder of the tree, opened once.
func (d *Dir) sub(dir string) (*os.Root, error) {
	if r, ok := d.subs.Load(dir); ok {
		return r.(*os.Root), nil
	}
	r, err := d.r.OpenRoot(filepath.FromSlash(dir))
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.subs.LoadOrStore(dir, r); loaded {
		r.Close()
		return prev.(*os.Root), nil
	}
	return r, nil
}

func readLimited(r io.Reader, size, max int64) ([]byte, error) {
	if max > 0 && size > max {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, size, max)
	}
	limit := max
	if limit <= 0 {
		limit = 1 << 40
	}
	buf := make([]byte, 0, size+1)
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	buf = append(buf, b...)
	if int64(len(buf)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return buf, nil
}
