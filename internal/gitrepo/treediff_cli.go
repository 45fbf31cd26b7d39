package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/load"
)

// DiffEngine says how DiffCommits-style tree diffs are computed.
type DiffEngine string

// The engines. Auto uses the git CLI when it is installed and the
// repository has a working tree (it is about 10× faster on large trees,
// see docs/performance.md), and go-git otherwise.
const (
	EngineAuto  DiffEngine = "auto"
	EngineGoGit DiffEngine = "go-git"
	EngineGit   DiffEngine = "git"
)

// DiffCommitsWith diffs base and head with the engine asked for; with
// EngineAuto it falls back to go-git when the git CLI cannot be used.
func (r *Repo) DiffCommitsWith(ctx context.Context, engine DiffEngine, base, head *Commit) ([]TreeChange, DiffEngine, error) {
	switch engine {
	case EngineGoGit:
		cs, err := r.DiffCommits(ctx, base, head)
		return cs, EngineGoGit, err
	case EngineGit:
		cs, err := r.DiffCommitsGit(ctx, base, head)
		return cs, EngineGit, err
	}
	// Auto: git when it works; go-git without git, or when git fails (it
	// refuses a repository another user owns, for one).
	cs, err := r.DiffCommitsGit(ctx, base, head)
	if err != nil && ctx.Err() == nil {
		cs, err = r.DiffCommits(ctx, base, head)
		return cs, EngineGoGit, err
	}
	return cs, EngineGit, err
}

// DiffCommitsGit is DiffCommits computed by `git diff-tree -r --raw -z
// --no-renames` (then the same exact-rename pairing). It returns ErrNoGit
// when git is not installed or the repository has no working tree.
func (r *Repo) DiffCommitsGit(ctx context.Context, base, head *Commit) ([]TreeChange, error) {
	if r.Root == "" {
		return nil, ErrNoGit
	}
	name := base.Hash[:7] + ".." + head.Hash[:7]
	var out bytes.Buffer
	err := (Git{Dir: r.Root}).Run(ctx, Command{Args: []string{"diff-tree", "-r", "--raw", "-z", "--no-renames", "--no-abbrev", "--full-index",
		base.Hash, head.Hash}, Stdout: &out})
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", name, err)
	}
	cs, err := parseRawDiff(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", name, err)
	}
	cs = exactRenames(cs)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Path() < cs[j].Path() })
	return cs, nil
}

// parseRawDiff reads `git diff-tree -r --raw -z` output: for each file
// ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0".
func parseRawDiff(b []byte) ([]TreeChange, error) {
	var out []TreeChange
	for len(b) > 0 {
		nul := bytes.IndexByte(b, 0)
		if nul < 0 || len(b) == 0 || b[0] != ':' {
			return nil, fmt.Errorf("read git diff-tree output: malformed record %q", clipBytes(b))
		}
		f := strings.Fields(string(b[1:nul]))
		b = b[nul+1:]
		nul = bytes.IndexByte(b, 0)
		if len(f) != 5 || nul < 0 {
			return nil, fmt.Errorf("read git diff-tree output: malformed record %q", clipBytes(b))
		}
		p := string(b[:nul])
		b = b[nul+1:]
		oldMode, newMode, oldSHA, newSHA, status := f[0], f[1], f[2], f[3], f[4]
		if p == "" || !isHex40(oldSHA) || !isHex40(newSHA) {
			return nil, fmt.Errorf("read git diff-tree output: malformed record for %q", p)
		}
		tc := TreeChange{}
		switch status[0] {
		case 'A':
			tc.Action, tc.To = "added", p
		case 'D':
			tc.Action, tc.From = "deleted", p
		case 'M', 'T':
			tc.Action, tc.From, tc.To = "modified", p, p
		default:
			return nil, fmt.Errorf("read git diff-tree output: unexpected status %q for %s", status, p)
		}
		if tc.From != "" {
			tc.FromBlob, tc.FromLink = oldSHA, oldMode == "120000"
		}
		if tc.To != "" {
			tc.ToBlob = newSHA
			switch newMode {
			case "120000":
				tc.ToLink = true
			case "100644", "100755", "100664":
			default:
				tc.ToOther = true
			}
		}
		out = append(out, tc)
	}
	return out, nil
}

func isHex40(s string) bool {
	return len(s) == 40 && strings.Trim(s, "0123456789abcdef") == ""
}

func clipBytes(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// CatFile reads blobs through one long-running `git cat-file --batch`
// (about 5× faster per blob than go-git's pack reader on large packs). It
// lives for one command: close it when done. It is safe for concurrent
// use (requests are serialised).
type CatFile struct {
	mu   sync.Mutex
	proc *Process
	in   io.WriteCloser
	out  *bufio.Reader
	dead error
	pre  map[string]preloaded // by blob id, filled by Preload
}

type preloaded struct {
	data []byte
	err  error // the blob is over the limit it was preloaded with
}

// StartCatFile starts git cat-file --batch in the repository, or returns
// ErrNoGit when git is not installed or there is no working tree.
func (r *Repo) StartCatFile(ctx context.Context) (*CatFile, error) {
	if r.Root == "" {
		return nil, ErrNoGit
	}
	p, err := (Git{Dir: r.Root}).Start(ctx, Command{Args: []string{"cat-file", "--batch"}, PipeStdin: true})
	if err != nil {
		if errors.Is(err, ErrNoGit) {
			return nil, err
		}
		return nil, fmt.Errorf("start git cat-file: %w", err)
	}
	return &CatFile{proc: p, in: p.Stdin, out: bufio.NewReaderSize(p.Stdout, 64<<10)}, nil
}

// Read returns the bytes of blob id, refusing (unbuffered) one over max
// bytes with load.ErrTooLarge.
func (c *CatFile) Read(id string, max int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return nil, c.dead
	}
	fail := func(err error) ([]byte, error) {
		c.dead = fmt.Errorf("read blob %s: %w", id, err)
		return nil, c.dead
	}
	if !isHex40(id) {
		return nil, fmt.Errorf("read blob %q: not an object id", id)
	}
	if p, ok := c.pre[id]; ok {
		switch {
		case p.err != nil:
			return nil, p.err
		case max > 0 && int64(len(p.data)) > max:
			return nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, len(p.data), max)
		default:
			return p.data, nil
		}
	}
	if _, err := io.WriteString(c.in, id+"\n"); err != nil {
		return fail(err)
	}
	return c.response(id, max, fail)
}

// ReadBlob is Read: a CatFile is a BlobReader.
func (c *CatFile) ReadBlob(id string, max int64) ([]byte, error) { return c.Read(id, max) }

// response reads the answer to one request. c.mu is held.
func (c *CatFile) response(id string, max int64, fail func(error) ([]byte, error)) ([]byte, error) {
	_, data, err := c.object(id, max, fail)
	return data, err
}

// object reads the answer to one request for name: the object's id and
// its bytes. c.mu is held.
func (c *CatFile) object(name string, max int64, fail func(error) ([]byte, error)) (string, []byte, error) {
	header, err := c.out.ReadString('\n')
	if err != nil {
		_, err = fail(err)
		return "", nil, err
	}
	f := strings.Fields(header)
	if len(f) == 2 && (f[1] == "missing" || f[1] == "ambiguous") {
		return "", nil, fmt.Errorf("read blob %s: object %s", name, f[1])
	}
	if len(f) != 3 {
		_, err := fail(fmt.Errorf("unexpected git cat-file header %q", header))
		return "", nil, err
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		_, err := fail(fmt.Errorf("unexpected git cat-file header %q", header))
		return "", nil, err
	}
	if f[1] != "blob" || (max > 0 && size > max) {
		if _, err := io.CopyN(io.Discard, c.out, size+1); err != nil {
			_, err = fail(err)
			return "", nil, err
		}
		if f[1] != "blob" {
			return f[0], nil, fmt.Errorf("read blob %s: it is a %s", name, f[1])
		}
		return f[0], nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, size, max)
	}
	buf := make([]byte, size+1)
	if _, err := io.ReadFull(c.out, buf); err != nil {
		_, err = fail(err)
		return "", nil, err
	}
	return f[0], buf[:size], nil
}

// Preload reads the blobs ids in one pipelined batch (see Stream) and
// keeps them for Read. Blobs over max bytes are refused by Read; missing
// ones are left for Read to report.
func (c *CatFile) Preload(ctx context.Context, ids []string, max int64) error {
	c.mu.Lock()
	if c.pre == nil {
		c.pre = make(map[string]preloaded, len(ids))
	}
	var want []string
	for _, id := range ids {
		if _, ok := c.pre[id]; !ok {
			want = append(want, id)
		}
	}
	c.mu.Unlock()
	return c.Stream(ctx, want, max, func(id string, data []byte, err error) error {
		switch {
		case errors.Is(err, load.ErrTooLarge):
			c.pre[id] = preloaded{err: err}
		case err == nil:
			c.pre[id] = preloaded{data: data}
		}
		return nil
	})
}

// Stream reads the blobs ids in one pipelined batch — every request is
// written while the answers are read, instead of one round trip per blob
// (a context switch each on a busy machine) — and calls fn for each, in
// order, with its bytes or its error (load.ErrTooLarge for one over max
// bytes, skipped unbuffered; an error for a missing object). Ids that are
// not object ids, and repeats, are left out. fn runs with the CatFile
// locked; an error from fn stops the stream.
func (c *CatFile) Stream(ctx context.Context, ids []string, max int64, fn func(id string, data []byte, err error) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return c.dead
	}
	var want []string
	seen := map[string]bool{}
	for _, id := range ids {
		if isHex40(id) && !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	return c.pipeline(ctx, want, "blobs", func(i int, fail func(error) ([]byte, error)) error {
		broken := false // the stream itself failed: fn is not told of it, the caller is
		data, err := c.response(want[i], max, func(err error) ([]byte, error) {
			broken = true
			return fail(fmt.Errorf("read blob %s: %w", want[i], err))
		})
		if broken {
			return nil
		}
		return fn(want[i], data, err)
	})
}

// pipeline writes each of names (one request a line) to cat-file while
// it reads the answers in order, one answer call each (with fail to
// report that the stream broke). An error of answer, of fail or of ctx
// stops it; the pipe then holds answers nobody will read, so the process
// is dead for every later call. what names the objects in that error.
func (c *CatFile) pipeline(ctx context.Context, names []string, what string, answer func(i int, fail func(error) ([]byte, error)) error) error {
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c.in, 64<<10)
		for _, n := range names {
			if _, err := w.WriteString(n + "\n"); err != nil {
				werr <- err
				return
			}
		}
		werr <- w.Flush()
	}()
	for i := range names {
		var failed error
		fail := func(err error) ([]byte, error) {
			failed = err
			return nil, failed
		}
		if err := ctx.Err(); err != nil {
			failed = err
		}
		if failed == nil {
			if ferr := answer(i, fail); ferr != nil && failed == nil {
				failed = ferr
			}
		}
		if failed != nil {
			c.dead = fmt.Errorf("git cat-file stopped after %d of %d %s: %w", i, len(names), what, failed)
			c.in.Close()
			<-werr
			return failed
		}
	}
	if err := <-werr; err != nil {
		c.dead = fmt.Errorf("write to git cat-file: %w", err)
		return c.dead
	}
	return nil
}

// StreamFiles reads, in one pipelined batch as Stream does, the file at
// each of files (a revision and a path in its tree) and calls fn for each
// in order with its index in files, its blob id, and its bytes or its
// error (load.ErrTooLarge over max bytes; an error for a path the
// revision does not have). It is how a record's versions across many
// commits are read: git resolves every path, no tree is parsed in Go.
func (c *CatFile) StreamFiles(ctx context.Context, files []RevPath, max int64, fn func(i int, blob string, data []byte, err error) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return c.dead
	}
	for _, f := range files {
		if strings.ContainsAny(f.Rev+f.Path, "\n") || strings.Contains(f.Rev, ":") || f.Rev == "" || f.Path == "" {
			return fmt.Errorf("read %s:%s: not a revision and a path git cat-file can be asked for", f.Rev, f.Path)
		}
	}
	if len(files) == 0 {
		return nil
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Rev + ":" + f.Path
	}
	return c.pipeline(ctx, names, "files", func(i int, fail func(error) ([]byte, error)) error {
		broken := false
		id, data, err := c.object(names[i], max, func(err error) ([]byte, error) {
			broken = true
			return fail(fmt.Errorf("read %s: %w", names[i], err))
		})
		if broken {
			return nil
		}
		return fn(i, id, data, err)
	})
}

// RevPath names a file in a revision's tree.
type RevPath struct {
	Rev, Path string
}

// Close ends the git process.
func (c *CatFile) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.Close()
	err := c.proc.Wait()
	if c.dead == nil {
		c.dead = errors.New("git cat-file is closed")
	}
	if err != nil {
		return fmt.Errorf("stop git cat-file: %w", err)
	}
	return nil
}
