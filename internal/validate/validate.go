package validate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
	"github.com/estate-dev/estate/internal/schema"
)

// Options tune a run. The zero value (but for Tree) is usable.
type Options struct {
	Tree load.Tree
	// Schema overrides the schema read from the tree's schema/ folder.
	Schema *schema.Schema
	// Workers is how many records are checked at once (default: all cores).
	Workers int
	// Cache, when set, is consulted and filled (see OpenCache).
	Cache *Cache
	// Select, when set, picks the files that go through the YAML and
	// schema layers (by path and blob id); the others are taken from the
	// cache or decoded without checks, and cross-record rules still see
	// every record.
	Select func(path, blob string) bool
	// Limits bound each file (default load.DefaultLimits).
	Limits load.Limits
	// Now is the date expiry is judged against (default time.Now).
	Now time.Time
	// CUEOnly evaluates every record with CUE, skipping the native
	// pre-check (for measurements and for doubt).
	CUEOnly bool
	// Log, when set, gets a debug line per step with the time it took.
	Log *slog.Logger
	// Progress, when set, is called now and then with files done and total.
	Progress func(done, total int)
}

// Result is the outcome of a run.
type Result struct {
	Estate   *record.Estate
	Findings []record.Finding
	Files    int // record files seen
	Checked  int // records put through the YAML and schema layers
	Cached   int // records whose result came from the cache
	Schema   *schema.Schema
}

// Load reads and checks the estate in tree with default options.
func Load(ctx context.Context, tree load.Tree) (*Result, error) {
	return Run(ctx, Options{Tree: tree})
}

// Run checks the estate of opts.Tree. The error means the run itself
// failed (e.g. the tree could not be read); problems with the estate are
// findings.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Limits.MaxFileBytes == 0 {
		opts.Limits = load.DefaultLimits
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Schema == nil {
		schema.Warm() // compile the built-in schema while the tree is listed
	}
	start := time.Now()
	lap := func(what string) {
		if opts.Log != nil {
			opts.Log.Debug("validate", "step", what, "elapsed", time.Since(start).Round(time.Millisecond))
		}
	}
	entries, err := opts.Tree.Entries(ctx)
	lap("listed " + strconv.Itoa(len(entries)) + " files")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", opts.Tree.Name(), err)
	}
	res := &Result{}
	var findings []record.Finding

	// The schema: built-in, unified with the repository's schema/*.cue.
	sch := opts.Schema
	var jobs []load.Entry
	var repoSchema []schema.Source
	targets := map[string]bool{} // files read through a link: never strays
	for _, e := range entries {
		if e.Target != "" {
			targets[e.Target] = true
		}
	}
	for _, e := range entries {
		place := load.Classify(e.Path)
		switch {
		case e.Problem != "":
			findings = append(findings, problemFinding(e))
		case load.Outside(e.Path) && targets[e.Path]:
		case load.Outside(e.Path):
			// A YAML file outside the record folders: a record put in the
			// wrong place is a finding, anything else is not ours.
			if data, err := opts.Tree.ReadFile(e, opts.Limits.MaxFileBytes); err == nil {
				if f, ok := load.Stray(e.Path, data); ok {
					findings = append(findings, f)
				}
			}
		case place.Problem != "":
			findings = append(findings, record.Finding{Pos: record.Pos{File: e.Path}, Rule: load.RuleLayout,
				Severity: record.SeverityError, Message: place.Problem})
		case place.Kind != "":
			jobs = append(jobs, e)
		case strings.HasPrefix(e.Path, "schema/") && strings.HasSuffix(e.Path, ".cue") && sch == nil:
			data, err := opts.Tree.ReadFile(e, opts.Limits.MaxFileBytes)
			if err != nil {
				findings = append(findings, readFinding(e.Path, err))
				continue
			}
			repoSchema = append(repoSchema, schema.Source{Name: e.Path, Data: data})
		}
	}
	if sch == nil {
		sch, err = schema.New(repoSchema)
		if err != nil {
			// The repository's schema is broken: say so, and check
			// against the built-in schema alone.
			findings = append(findings, record.Finding{Pos: record.Pos{File: "schema/"}, Rule: "schema/compile",
				Severity: record.SeverityError, Message: err.Error()})
			if sch, err = schema.New(nil); err != nil {
				return nil, err
			}
		}
	}
	res.Schema = sch
	lap("compiled the schema")
	res.Files = len(jobs)
	if pf, ok := opts.Tree.(load.Prefetcher); ok {
		// Read ahead what the cache does not answer.
		var want []load.Entry
		for _, e := range jobs {
			if opts.Cache == nil || e.Blob == "" || e.Link || !opts.Cache.has(sch.Digest(), e.Blob) {
				want = append(want, e)
			}
		}
		pf.Prefetch(ctx, want)
	}

	results := make([]fileResult, len(jobs))
	var done sync.WaitGroup
	// Jobs go out in batches: a channel hand-off per file costs more than
	// a cached file's whole check.
	const batch = 64
	next := make(chan int)
	var mu sync.Mutex
	var firstErr error
	var doneCount int
	for w := 0; w < opts.Workers; w++ {
		done.Add(1)
		go func() {
			defer done.Done()
			var v *schema.Validator // made on first use: a cache hit needs none
			for lo := range next {
				hi := min(lo+batch, len(jobs))
				for i := lo; i < hi; i++ {
					r, err := check(opts, sch, &v, jobs[i])
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						continue
					}
					results[i] = r
				}
				if opts.Progress != nil {
					mu.Lock()
					doneCount += hi - lo
					if doneCount%512 == 0 || doneCount == len(jobs) {
						opts.Progress(doneCount, len(jobs))
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for lo := 0; lo < len(jobs); lo += batch {
		select {
		case next <- lo:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	done.Wait()
	lap("checked the records")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}

	var recs []*record.Record
	for i, r := range results {
		switch {
		case r.cached:
			res.Cached++
		case r.checked:
			res.Checked++
		}
		if opts.Cache != nil && r.checked {
			opts.Cache.put(sch.Digest(), r.entry)
		}
		findings = append(findings, withFile(r.entry.Findings, jobs[i].Path)...)
		if r.entry.Record != nil {
			rec := *r.entry.Record
			rec.Path, rec.Blob = jobs[i].Path, r.entry.Blob
			recs = append(recs, &rec)
		}
	}
	est := record.NewEstate(recs)
	res.Estate = est

	lap("indexed the estate")
	ruleFindings := rules.Check(est, rules.Env{Now: opts.Now})
	lap("ran the cross-record rules")
	findings = append(findings, placeFindings(opts, ruleFindings, entries)...)
	record.SortFindings(findings)
	res.Findings = findings
	lap("placed the findings")
	return res, nil
}

// fileResult is the outcome of one file.
type fileResult struct {
	entry   cacheEntry
	checked bool
	cached  bool
}

func check(opts Options, sch *schema.Schema, v **schema.Validator, e load.Entry) (fileResult, error) {
	blob := e.Blob
	// hit turns a cached result into this file's: a file outside Select
	// contributes its record but none of its findings, whether or not it
	// was in the cache.
	hit := func(ce cacheEntry) (fileResult, error) {
		if opts.Select != nil && !opts.Select(e.Path, ce.Blob) {
			ce.Findings = nil
		}
		return fileResult{entry: ce, cached: true}, nil
	}
	if opts.Cache != nil && !e.Link {
		if blob == "" {
			if ce, ok := opts.Cache.lookup(sch.Digest(), e.Path, e.Size, e.ModTime); ok {
				return hit(ce)
			}
		} else if ce, ok := opts.Cache.get(sch.Digest(), blob); ok {
			return hit(ce) // a git revision names its blobs: nothing to read
		}
	}
	data, err := opts.Tree.ReadFile(e, opts.Limits.MaxFileBytes)
	if err != nil {
		if errors.Is(err, load.ErrTooLarge) || e.Problem != "" {
			return fileResult{entry: cacheEntry{Findings: []record.Finding{readFinding("", err)}}}, nil
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// One file the file system will not give (no permission, gone
			// since it was listed) is a finding on it; the rest is checked.
			return fileResult{entry: cacheEntry{Findings: []record.Finding{readFinding("", err)}}}, nil
		}
		return fileResult{}, fmt.Errorf("read %s: %w", e.Path, err)
	}
	if blob == "" || e.Link {
		blob = load.BlobID(data)
	}
	if opts.Cache != nil {
		if !e.Link {
			opts.Cache.putStat(e.Path, e.Size, e.ModTime, blob)
		}
		if ce, ok := opts.Cache.get(sch.Digest(), blob); ok {
			return hit(ce)
		}
	}
	place := load.Classify(e.Path)
	if opts.Select != nil && !opts.Select(e.Path, blob) {
		// Outside the paths to check and not cached: decode for the
		// cross-record rules only.
		ce := cacheEntry{Blob: blob}
		if root, fs := load.Parse(e.Path, data); fs == nil {
			kind := kindOf(root, place.Kind)
			if value, fs := load.Value(e.Path, root, opts.Limits); fs == nil {
				ce.Record = decodeValue(value, kind) // the same record, faster
			} else {
				ce.Record = decode(root, kind)
			}
		}
		return fileResult{entry: ce}, nil
	}
	if *v == nil {
		*v = sch.NewValidator()
		if opts.CUEOnly {
			(*v).CUEOnly()
		}
	}
	return fileResult{entry: checkDoc(*v, e.Path, data, blob, place, opts.Limits), checked: true}, nil
}

// checkDoc runs the YAML and schema layers over one file. Its result
// depends only on data and the schema, so it can be cached by blob id;
// findings name no file (withFile adds it).
func checkDoc(v *schema.Validator, path string, data []byte, blob string, place load.Place, lim load.Limits) cacheEntry {
	ce := cacheEntry{Blob: blob}
	root, fs := load.Parse("", data)
	ce.Findings = append(ce.Findings, load.Secrets("", data, root)...)
	if fs != nil {
		ce.Findings = append(ce.Findings, fs...)
		return ce
	}
	kind := kindOf(root, place.Kind)
	if !kind.Known() || kind == record.KindFacts {
		n, _ := load.Find(root, "kind")
		ce.Findings = append(ce.Findings, load.UnknownKind("", n, string(kind)))
		return ce
	}
	value, fs := load.Value("", root, lim)
	if fs != nil {
		ce.Findings = append(ce.Findings, fs...)
		return ce
	}
	ce.Findings = append(ce.Findings, v.Validate(kind, value, "", root)...)
	ce.Findings = capFindings(ce.Findings)
	ce.Record = decodeValue(value, kind)
	if ce.Record != nil && kind == record.KindAsset {
		for i, f := range record.PlacedFields {
			p := load.PosOf("", root, f)
			ce.Record.Placed[i] = record.LineCol{Line: int32(p.Line), Col: int32(p.Col)}
		}
	}
	return ce
}

// MaxFindingsPerFile caps what one file reports: past it, one finding
// counts the rest ("and 79,900 more unknown fields"), so that a file of
// tens of thousands of mistakes neither floods the report nor hides the
// other files' findings.
const MaxFindingsPerFile = 100

func capFindings(fs []record.Finding) []record.Finding {
	if len(fs) <= MaxFindingsPerFile {
		return fs
	}
	rest := fs[MaxFindingsPerFile:]
	what := "problems"
	unknown := true
	for _, f := range rest {
		unknown = unknown && strings.HasPrefix(f.Message, "unknown field ")
	}
	if unknown {
		what = "unknown fields"
	}
	more := rest[0]
	more.Field = ""
	more.Message = "and " + thousands(len(rest)) + " more " + what + " in this file"
	more.Hint = "fix the ones above and validate again"
	return append(fs[:MaxFindingsPerFile:MaxFindingsPerFile], more)
}

// thousands writes n with commas: 79,900.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// kindOf returns the kind a document says it is, or want when it says none.
func kindOf(root *yaml.Node, want record.Kind) record.Kind {
	if n, ok := load.Find(root, "kind"); ok && n.Kind == yaml.ScalarNode {
		return record.Kind(n.Value)
	}
	return want
}

// decode makes the typed record of a document, best effort: a field of
// the wrong type is left empty (the schema layer has reported it).
func decode(root *yaml.Node, kind record.Kind) *record.Record {
	if root == nil || !kind.Known() || kind == record.KindFacts {
		return nil
	}
	typed := record.NewTyped(kind)
	_ = root.Decode(typed) // partial on error, by design
	r := &record.Record{Kind: kind}
	if err := r.Set(typed); err != nil {
		return nil
	}
	return r
}

// decodeValue is decode from a converted value: the same result, faster.
func decodeValue(value any, kind record.Kind) *record.Record {
	if !kind.Known() || kind == record.KindFacts {
		return nil
	}
	typed := record.NewTyped(kind)
	load.Decode(value, typed)
	r := &record.Record{Kind: kind}
	if err := r.Set(typed); err != nil {
		return nil
	}
	return r
}

// problemFinding is the finding for an entry that is never read: a link
// that leaves the repository or is broken, or something that is not a
// regular file (a FIFO, a socket, a device).
func problemFinding(e load.Entry) record.Finding {
	f := record.Finding{Pos: record.Pos{File: e.Path}, Rule: load.RuleFile, Severity: record.SeverityError,
		Message: e.Problem + "; it was not read", Hint: "replace the link with the file itself"}
	switch {
	case e.Link:
	case e.Problem == "not a regular file":
		f.Message = "not a regular file (a named pipe, socket, device or submodule); it was not read"
		f.Hint = "a record is a regular file: replace this with one, or remove it"
	default: // e.g. a control character in the name
		f.Hint = "rename the file: a record's file name is its id"
	}
	return f
}

func readFinding(path string, err error) record.Finding {
	f := record.Finding{Pos: record.Pos{File: path}, Rule: load.RuleFile, Severity: record.SeverityError,
		Message: "cannot read the file: " + err.Error()}
	if errors.Is(err, fs.ErrPermission) {
		f.Message = "cannot read the file: permission denied; it was not checked"
		f.Hint = "give the user running estate read access to it (chmod a+r)"
	}
	if errors.Is(err, load.ErrTooLarge) {
		f.Message = "the file is too large to be a record (" + strings.TrimPrefix(err.Error(), load.ErrTooLarge.Error()+": ") + "); it was not read"
		f.Hint = "a record is a few hundred bytes of YAML; split the file or remove what does not belong"
	}
	return f
}

func withFile(fs []record.Finding, file string) []record.Finding {
	out := make([]record.Finding, len(fs))
	for i, f := range fs {
		f.Pos.File = file
		out[i] = f
	}
	return out
}

// placeFindings gives rule findings a line and column: the file of each is
// read again and the field looked up. Findings are few, so this is cheap.
func placeFindings(opts Options, fs []record.Finding, entries []load.Entry) []record.Finding {
	var byPath map[string]load.Entry // built when a finding needs it
	roots := map[string]*yaml.Node{}
	for i, f := range fs {
		if f.Pos.Line != 0 || f.Pos.File == "" {
			continue
		}
		root, ok := roots[f.Pos.File]
		if !ok {
			if byPath == nil {
				byPath = make(map[string]load.Entry, len(entries))
				for _, e := range entries {
					byPath[e.Path] = e
				}
			}
			if e, ok := byPath[f.Pos.File]; ok {
				if data, err := opts.Tree.ReadFile(e, opts.Limits.MaxFileBytes); err == nil {
					root, _ = load.Parse(f.Pos.File, data)
				}
			}
			roots[f.Pos.File] = root
		}
		if root == nil {
			continue
		}
		var n *yaml.Node
		if strings.HasSuffix(f.Field, ":key") {
			n, _ = load.FindKey(root, strings.TrimSuffix(f.Field, ":key"))
			fs[i].Field = strings.TrimSuffix(f.Field, ":key")
		} else {
			n, _ = load.Find(root, f.Field)
		}
		fs[i].Pos.Line, fs[i].Pos.Col = n.Line, n.Column
	}
	return fs
}
