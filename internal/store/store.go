package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/atomicfile"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
	"github.com/estate-dev/estate/internal/schema"
	"github.com/estate-dev/estate/internal/validate"
)

// Mode says what a write may do about a file already at its path.
type Mode = atomicfile.Mode

const (
	// Create writes a new record; an existing file is never replaced.
	Create = atomicfile.Create
	// Replace replaces an existing record file whole.
	Replace = atomicfile.Replace
)

// Options say which estate to write into.
type Options struct {
	// Dir is the estate's directory (default "."). It must exist.
	Dir string
	// Files, when set, are files of the estate that are not on disk yet
	// (slash path to bytes), read as if they were: estate init checks the
	// new estate's records against its own estate.yaml and schema/*.cue.
	Files map[string][]byte
	// Limits bound each record (default load.DefaultLimits).
	Limits load.Limits
	// BeforeWrite, when set, is called with each path just before its
	// bytes are written; an error stops that write and is returned. Tests
	// use it to stop an import part way, as a crash would.
	BeforeWrite func(path string) error
}

// Store writes the records of one estate. Its methods are safe for
// concurrent use.
type Store struct {
	root     *os.Root
	dir      string
	schema   *schema.Schema
	settings *record.Settings
	ids      rules.IDPatterns
	lim      load.Limits
	before   func(string) error
	pool     sync.Pool // *schema.Validator

	mu     sync.Mutex
	closed bool
	taken  map[record.Kind]map[string]string // lower-case id -> path
	dirs   map[string]bool                   // folders written into
}

// Open reads what the writer needs of the estate at o.Dir: the ids its
// records have (from their file names), its estate.yaml and its
// schema/*.cue. The error means the estate cannot be written into: its
// schema does not compile, or estate.yaml's ids: are not regular
// expressions (errors.Is(err, ErrEstate)), or the folder cannot be read.
func Open(ctx context.Context, o Options) (*Store, error) {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	if o.Limits.MaxFileBytes == 0 {
		o.Limits = load.DefaultLimits
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	entries, err := d.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	files := map[string][]byte{}
	s := &Store{dir: d.Root(), lim: o.Limits, before: o.BeforeWrite,
		taken: map[record.Kind]map[string]string{}, dirs: map[string]bool{}}
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Path)
		if e.Problem == "" && (e.Path == "estate.yaml" || isSchemaFile(e.Path)) {
			data, err := d.ReadFile(e, o.Limits.MaxFileBytes)
			if err != nil {
				return nil, fmt.Errorf("%w: read %s: %v", ErrEstate, e.Path, err)
			}
			files[e.Path] = data
		}
	}
	for p, data := range o.Files {
		paths = append(paths, p)
		files[p] = data
	}
	for _, p := range paths {
		if pl := load.Classify(p); pl.Kind != "" && pl.Kind != record.KindSettings && pl.Kind != record.KindChangePolicy {
			s.take(pl.Kind, pl.ID, p)
		}
	}
	var srcs []schema.Source
	for p, data := range files {
		if isSchemaFile(p) {
			srcs = append(srcs, schema.Source{Name: p, Data: data})
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	if s.schema, err = schema.New(srcs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEstate, err)
	}
	if data, ok := files["estate.yaml"]; ok {
		// A broken estate.yaml is validate's to report; what can be read
		// of it (its ids:) still binds what is written.
		if _, rec := validate.Document(s.validator(), "estate.yaml", data, o.Limits); rec != nil && rec.Settings != nil {
			s.settings = rec.Settings
		}
	}
	ids, errs := rules.CompileIDs(s.settings)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %v", ErrEstate, errs[0])
	}
	s.ids = ids
	if s.root, err = os.OpenRoot(s.dir); err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return s, nil
}

// ErrEstate marks an estate that cannot be written into as it stands (a
// schema that does not compile, an id pattern that is not a regular
// expression): an input error, fixed by the user.
var ErrEstate = errors.New("the estate cannot be written into")

func underRoots(p string) bool {
	top, _, _ := strings.Cut(p, "/")
	for _, r := range load.Roots {
		if top == r {
			return true
		}
	}
	return false
}

func isSchemaFile(p string) bool {
	return strings.HasPrefix(p, "schema/") && strings.Count(p, "/") == 1 && strings.HasSuffix(p, ".cue")
}

// Dir is the estate's directory (absolute).
func (s *Store) Dir() string { return s.dir }

// Settings is the estate's estate.yaml (nil when it has none).
func (s *Store) Settings() *record.Settings { return s.settings }

// IDs are the estate's id patterns (rules.CompileIDs of its estate.yaml).
func (s *Store) IDs() rules.IDPatterns { return s.ids }

// PathFor returns where the estate's layout files a record of kind k (an
// asset of class) with this id: the path to give Write for a new record.
func (s *Store) PathFor(k record.Kind, class, id string) string {
	return s.settings.LayoutRule().Path(k, class, id)
}

// Schema is the effective schema records are checked against.
func (s *Store) Schema() *schema.Schema { return s.schema }

// Taken returns the path of the record of kind k whose id equals id but
// for case, if there is one.
func (s *Store) Taken(k record.Kind, id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.taken[k][strings.ToLower(id)]
	return p, ok
}

// take records that id of kind k is at p; the caller holds s.mu or is Open.
func (s *Store) take(k record.Kind, id, p string) {
	m := s.taken[k]
	if m == nil {
		m = map[string]string{}
		s.taken[k] = m
	}
	if _, ok := m[strings.ToLower(id)]; !ok {
		m[strings.ToLower(id)] = p
	}
}

func (s *Store) validator() *schema.Validator {
	if v, ok := s.pool.Get().(*schema.Validator); ok {
		return v
	}
	return s.schema.NewValidator()
}

// Check checks the bytes of a record file at p (slash path in the estate)
// as estate validate would check it, with the rules about one record
// alone, and returns the decoded record and the findings of error
// severity (warnings do not stop a write). It does not look at what the
// estate holds: Write does.
func (s *Store) Check(p string, data []byte) (*record.Record, []record.Finding) {
	v := s.validator()
	fs, rec := validate.Document(v, p, data, s.lim)
	s.pool.Put(v)
	if rec != nil {
		fs = append(fs, rules.CheckRecord(s.settings, rec)...)
	}
	var errs []record.Finding
	for _, f := range fs {
		if f.Severity >= record.SeverityError {
			errs = append(errs, f)
		}
	}
	if rec == nil && len(errs) == 0 {
		errs = append(errs, record.Finding{Pos: record.Pos{File: p}, Rule: "layout", Severity: record.SeverityError,
			Message: "not a record"})
	}
	record.SortFindings(errs)
	return rec, errs
}

// Write checks data as the record file at p (Check), refuses an id that
// the estate has at another path (also one that differs only in case),
// and writes it atomically: a new file with Create (an existing one is
// never replaced: the error matches fs.ErrExist), or over the existing
// one with Replace. A path that holds no record (a README, schema/*.cue)
// is written without the record checks. The error is a *RefusedError
// when the record was refused; nothing is written then.
func (s *Store) Write(p string, data []byte, mode Mode) error {
	place := load.Classify(p)
	if !underRoots(p) {
		place = load.Place{} // not the estate's records (.github/, a README): written as is
	}
	if place.Problem != "" || strings.Contains(p, "\\") || !fs.ValidPath(p) {
		return &RefusedError{Path: p, Findings: []record.Finding{{Pos: record.Pos{File: p}, Rule: "layout",
			Severity: record.SeverityError, Message: cmpOr(place.Problem, "not a path inside the estate")}}}
	}
	var rec *record.Record
	if place.Kind != "" {
		var errs []record.Finding
		if rec, errs = s.Check(p, data); len(errs) > 0 {
			return &RefusedError{Path: p, Record: place.ID, Findings: errs}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec != nil && rec.Kind != record.KindSettings && rec.Kind != record.KindChangePolicy {
		if other, ok := s.taken[rec.Kind][strings.ToLower(rec.ID)]; ok && other != p {
			otherID := strings.TrimSuffix(path.Base(other), path.Ext(other))
			msg := fmt.Sprintf("%s %s already exists at %s", rec.Kind, otherID, other)
			if otherID != rec.ID {
				msg = fmt.Sprintf("id %q differs only in case from %s %s at %s: on macOS and Windows one file would overwrite the other", rec.ID, rec.Kind, otherID, other)
			}
			return &RefusedError{Path: p, Record: rec.ID, Findings: []record.Finding{{Pos: record.Pos{File: p}, Rule: "unique-id",
				Severity: record.SeverityError, Field: "id", Record: rec.ID, Message: msg, Hint: "choose another id"}}}
		}
	}
	d := path.Dir(p)
	if !s.dirs[d] {
		if err := s.root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if s.before != nil {
		if err := s.before(p); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteIn(s.root, filepath.FromSlash(p), data, mode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ExistsError{Path: p}
		}
		return fmt.Errorf("write %s: %w", p, err)
	}
	s.dirs[d] = true
	if rec != nil && rec.Kind != record.KindSettings && rec.Kind != record.KindChangePolicy {
		s.take(rec.Kind, rec.ID, p)
	}
	return nil
}

// Put renders v (Render) and writes it at p (Write); it returns the bytes.
func (s *Store) Put(p string, v any, mode Mode) ([]byte, error) {
	data, err := Render(v)
	if err != nil {
		return nil, err
	}
	return data, s.Write(p, data, mode)
}

// Close syncs the folders written into, so the records survive a power
// cut, and releases the estate's directory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	dirs := make([]string, 0, len(s.dirs))
	for d := range s.dirs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for i, d := range dirs {
		dirs[i] = filepath.FromSlash(d)
	}
	if len(dirs) > 0 {
		err = atomicfile.Flush(s.root, dirs)
	}
	s.dirs = map[string]bool{}
	return errors.Join(err, s.root.Close())
}

// ExistsError says a Create found a file at its path; nothing was written.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return e.Path + " exists; estate never overwrites a record it was not asked to replace"
}
func (e *ExistsError) Is(t error) bool { return t == fs.ErrExist }

// RefusedError says a record was refused: it would not pass estate
// validate. Findings say where and why (file:line:column, field, rule).
type RefusedError struct {
	Path     string
	Record   string // the record's id, when known
	Findings []record.Finding
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	what := e.Path
	if e.Record != "" {
		what = e.Record + " (" + e.Path + ")"
	}
	fmt.Fprintf(&b, "refused to write %s: ", what)
	for i, f := range e.Findings {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(Reason(f))
	}
	return b.String()
}

// Reason is a finding as one line: its place, field, message and rule.
func Reason(f record.Finding) string {
	field := ""
	if f.Field != "" && !strings.Contains(f.Message, f.Field+":") {
		field = f.Field + ": "
	}
	return fmt.Sprintf("%s: %s%s [%s]", f.Pos, field, f.Message, f.Rule)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// IDsOf lists the ids of kind k the estate has (from file names), and
// those written since Open.
func (s *Store) IDsOf(k record.Kind) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.taken[k]))
	for _, p := range s.taken[k] {
		out = append(out, strings.TrimSuffix(path.Base(p), path.Ext(p)))
	}
	sort.Strings(out)
	return out
}
