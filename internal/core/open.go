package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
	"github.com/estate-dev/estate/internal/validate"
)

// CachePolicy says how Open uses validate's cache (.git/estate).
type CachePolicy uint8

const (
	// CacheReadWrite consults the cache and saves what it learns (validate,
	// audit, the reports of the working tree). The default.
	CacheReadWrite CachePolicy = iota
	// CacheRead consults the cache when it exists and never writes it
	// (reports of a past revision: what validate saw comes unread).
	CacheRead
	// CacheOff neither reads nor writes it (--no-cache, change plan).
	CacheOff
)

// Checks says which layers every record goes through.
type Checks uint8

const (
	// CheckAll puts every record through the YAML, schema and
	// cross-record layers (estate validate).
	CheckAll Checks = iota
	// CheckNone decodes records without the YAML and schema layers
	// (reports of a revision: the built-in schema only keys the cache).
	CheckNone
)

// Options say what to open and how.
type Options struct {
	// Dir is a directory of the estate (default ".").
	Dir string
	// Rev is a git revision to read instead of the working tree (no
	// checkout). Empty: the working tree.
	Rev string
	// Repo, when set, is the repository Rev is read from (kept open by the
	// caller); otherwise Open opens one and Close closes it.
	Repo *gitrepo.Repo
	// Cache is the cache policy.
	Cache CachePolicy
	// Checks says which layers run.
	Checks Checks
	// ChangedSince, when set, is a revision: only records whose blob
	// differs from it go through the YAML and schema layers (every
	// cross-record rule still sees every record).
	ChangedSince string
	// Paths, when set, limits the findings reported to these files or
	// folders (relative to the working directory or absolute); the rules
	// still read the whole estate.
	Paths []string
	// Workers, CUEOnly, Log and Progress are passed to validate.
	Workers  int
	CUEOnly  bool
	Log      *slog.Logger
	Progress func(done, total int)
	// Now is the date expiry is judged against.
	Now time.Time
	// RequireRecords makes an estate with no record but its settings a
	// usage error (estate validate: a run that checked nothing is no
	// pass). Others (an audit that reports devices missing from an empty
	// inventory) may open an empty estate.
	RequireRecords bool
}

// Estate is an opened estate: the records, their indexes, the settings,
// the validation result and where they came from.
type Estate struct {
	*record.Estate
	// Findings are the validation findings (limited to Options.Paths).
	Findings []record.Finding
	// Files, Checked and Cached count the records seen, put through the
	// YAML and schema layers, and taken from the cache.
	Files, Checked, Cached int
	// Schema is the effective schema (built-in CUE unified with the
	// repository's schema/*.cue).
	Schema *schema.Schema
	// Root is the estate's directory (the repository's, for a revision).
	Root string
	// Rev is the revision read ("" for the working tree).
	Rev string

	tree  load.Tree
	close []func()
	index *match.Index
	once  sync.Once
}

// ErrUsage marks errors in what the caller asked for (a revision that
// does not exist, a path outside the estate): exit 2, not 3.
var ErrUsage = errors.New("usage")

// hinted is an error with a hint for the person who ran estate (its
// Hint method), and, when usage, the request's fault (it then matches
// ErrUsage). The one such type: capability packages make them with
// UsageError and Failure.
type hinted struct {
	err   error
	hint  string
	usage bool
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Hint() string  { return e.hint }
func (e *hinted) Unwrap() []error {
	if e.usage {
		return []error{e.err, ErrUsage}
	}
	return []error{e.err}
}
func usage(err error, hint string) error { return &hinted{err: err, hint: hint, usage: true} }
func (o Options) dir() string            { return cmpOr(o.Dir, ".") }
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// builtin is the built-in schema, compiled once per process.
var builtin = sync.OnceValues(func() (*schema.Schema, error) { return schema.New(nil) })

// Open reads the estate as o says. The error means it could not be read
// at all (errors.Is(err, ErrUsage) when the request was at fault); every
// problem with a record is a finding.
func Open(ctx context.Context, o Options) (*Estate, error) {
	e := &Estate{Rev: o.Rev}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	var cacheRoot string
	repo := o.Repo
	openRepo := func(why string) (*gitrepo.Repo, error) {
		if repo != nil {
			return repo, nil
		}
		r, err := gitrepo.Open(o.dir())
		if err != nil {
			return nil, usage(err, why+": run it in a git repository")
		}
		repo = r
		e.close = append(e.close, func() { r.Close() })
		return r, nil
	}
	if o.Rev != "" {
		r, err := openRepo("a revision is read from git")
		if err != nil {
			return nil, err
		}
		t, err := r.Tree(o.Rev)
		if err != nil {
			return nil, usage(err, "name a branch, tag or commit that exists")
		}
		tree, done := t.ReadAhead(ctx, o.dir())
		e.tree, e.Root, cacheRoot = tree, r.Root, r.Root
		e.close = append(e.close, done)
	} else {
		root, err := FindRoot(o.dir())
		if err != nil {
			return nil, err
		}
		d, err := load.OpenDir(root)
		if err != nil {
			return nil, err
		}
		e.tree, e.Root, cacheRoot = d, d.Root(), d.Root()
		e.close = append(e.close, func() { d.Close() })
	}

	vo := validate.Options{Tree: e.tree, Workers: o.Workers, Now: o.Now, CUEOnly: o.CUEOnly, Log: o.Log, Progress: o.Progress}
	if o.Checks == CheckNone {
		s, err := builtin()
		if err != nil {
			return nil, fmt.Errorf("compile the built-in schema: %w", err)
		}
		vo.Schema = s
		vo.Select = func(string, string) bool { return false }
	}
	switch p := validate.DefaultCachePath(cacheRoot); o.Cache {
	case CacheReadWrite:
		vo.Cache = validate.OpenCacheLog(p, o.Log)
	case CacheRead:
		if _, err := os.Stat(p); err == nil {
			vo.Cache = validate.OpenCacheLog(p, o.Log)
		}
	}

	var inPaths func(string) bool
	var prefixes []string
	if len(o.Paths) > 0 {
		var err error
		if prefixes, err = relPaths(e.Root, o.dir(), o.Paths); err != nil {
			return nil, err
		}
		inPaths = func(p string) bool {
			for _, pre := range prefixes {
				if under(p, pre) {
					return true
				}
			}
			return false
		}
	}
	var base map[string]string
	if o.ChangedSince != "" {
		r, err := openRepo("--changed-since compares with a git revision")
		if err != nil {
			return nil, err
		}
		t, err := r.Tree(o.ChangedSince)
		if err != nil {
			return nil, usage(err, "name a branch, tag or commit that exists")
		}
		entries, err := t.Entries(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", o.ChangedSince, err)
		}
		base = make(map[string]string, len(entries))
		for _, en := range entries {
			base[en.Path] = en.Blob
		}
	}
	if o.Checks == CheckAll && (inPaths != nil || base != nil) {
		vo.Select = func(path, blob string) bool {
			if inPaths != nil && !inPaths(path) {
				return false
			}
			return base == nil || base[path] != blob
		}
	}

	res, err := validate.Run(ctx, vo)
	if err != nil {
		return nil, fmt.Errorf("read the estate: %w", err)
	}
	if vo.Cache != nil && o.Cache == CacheReadWrite {
		if err := vo.Cache.Save(); err != nil && o.Log != nil {
			o.Log.Warn("validation cache not saved", "err", err)
		}
	}
	if err := o.checkSeen(res, prefixes); err != nil {
		return nil, err
	}
	e.Estate, e.Schema = res.Estate, res.Schema
	e.Files, e.Checked, e.Cached = res.Files, res.Checked, res.Cached
	e.Findings = res.Findings
	if inPaths != nil {
		var kept []record.Finding
		for _, f := range e.Findings {
			if inPaths(f.Pos.File) {
				kept = append(kept, f)
			}
		}
		e.Findings = kept
	}
	ok = true
	return e, nil
}

// Close releases what Open opened.
func (e *Estate) Close() {
	for i := len(e.close) - 1; i >= 0; i-- {
		e.close[i]()
	}
	e.close = nil
}

// Tree is what the estate was read from.
func (e *Estate) Tree() load.Tree { return e.tree }

// Index finds assets by serial and hostname (internal/match), built once.
func (e *Estate) Index() *match.Index {
	e.once.Do(func() { e.index = match.New(e.Estate) })
	return e.index
}

// Errors counts the findings of error severity or above.
func (e *Estate) Errors() int { return CountErrors(e.Findings) }

// CountErrors counts the findings of error severity or above.
func CountErrors(fs []record.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity >= record.SeverityError {
			n++
		}
	}
	return n
}

// relPaths turns path arguments (relative to dir) into slash paths
// relative to root, refusing any that leave it.
func relPaths(root, dir string, args []string) ([]string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	cwd, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range args {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		rel, err := filepath.Rel(absRoot, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, usage(fmt.Errorf("%s is outside the estate at %s", a, root), "name files or folders of the estate")
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}

// Place puts findings that name a field of a record of this estate on
// that field's line and column: where the record says the field is
// (record.Record.Placed, kept by validation and its cache), else as
// load.PlaceFindings finds it, reading the file.
func (e *Estate) Place(ctx context.Context, fs []record.Finding) {
	for i := range fs {
		f := &fs[i]
		if f.Pos.Line != 0 || f.Field == "" || f.Pos.File == "" {
			continue
		}
		j, ok := slices.BinarySearchFunc(e.Records, f.Pos.File, func(r *record.Record, p string) int { return strings.Compare(r.Path, p) })
		if !ok {
			continue
		}
		if p, ok := e.Records[j].PosOf(f.Field); ok {
			f.Pos = p
		}
	}
	load.PlaceFindings(ctx, e.tree, fs)
}

// BuiltinSchema is the built-in schema (no repository schema files),
// compiled once per process; nil when it does not compile, which a test
// of package schema rules out.
func BuiltinSchema() *schema.Schema {
	s, _ := builtin()
	return s
}
