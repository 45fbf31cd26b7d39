package facts

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/atomicfile"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// Failure is a device (or file) that could not be collected or read, with
// the reason. It is a result, not a Go error: the others go on.
type Failure struct {
	Source string
	Reason string
	// Asset is the inventory asset the device stands for, when known.
	Asset string
	// Pos places the reason in a file when there is one.
	Pos record.Pos
}

func (f Failure) String() string { return f.Source + ": " + f.Reason }

// Collector is the version string written into collector.version.
var Collector = "estate"

// New returns an empty facts document of a collector.
func New(collector, source, collectedAt string) *record.Facts {
	return &record.Facts{APIVersion: record.APIVersion, Kind: string(record.KindFacts), CollectedAt: collectedAt,
		Collector: record.Collector{Name: collector, Version: Collector, Source: source}}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// FileName is the name a device's facts are written under: its hostname
// (or serial, or fallback), made safe as a file name, never a path.
func FileName(f *record.Facts, fallback string) string {
	name := f.Identity.Hostname
	if name == "" {
		name = f.Identity.Serial
	}
	if name == "" {
		name = fallback
	}
	name = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(name), "-"), ".-")
	if name == "" {
		name = "device"
	}
	if len(name) > 100 {
		name = name[:100]
	}
	return name
}

// Written is a facts file Write wrote, and whose facts it holds.
type Written struct {
	Path   string
	Device record.Device
}

// Write writes each device's facts as <dir>/<name>.json (indented JSON,
// keys in schema order) or, with format "yaml", <name>.yaml, adding -2,
// -3... when two devices share a name, each file atomically. Every file
// is first read back as the audit will read it (Encode, against #Facts
// when v is set): facts estate would refuse are not written but failed,
// with the reason. The error means writing could not go on.
func Write(dir string, devices []record.Device, format string, v *schema.Validator) ([]Written, []Failure, error) {
	w, err := NewWriter(dir, format, v)
	if err != nil {
		return nil, nil, err
	}
	var out []Written
	var failed []Failure
	for _, d := range devices {
		p, fl, err := w.Write(d)
		if err != nil {
			return out, failed, err
		}
		if fl != nil {
			failed = append(failed, *fl)
			continue
		}
		out = append(out, Written{Path: p, Device: d})
	}
	return out, failed, nil
}

// Writer writes facts files one device at a time, as Write does: for a
// stream of devices too many to hold at once. It keeps only the names
// used.
type Writer struct {
	dir, format string
	v           *schema.Validator
	used        map[string]bool
}

// NewWriter makes dir and returns a Writer into it.
func NewWriter(dir, format string, v *schema.Validator) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write facts: %w", err)
	}
	return &Writer{dir: dir, format: format, v: v, used: map[string]bool{}}, nil
}

// Write writes d's facts and returns the path, or the failure when estate
// would refuse them. The error means writing could not go on.
func (w *Writer) Write(d record.Device) (string, *Failure, error) {
	data, fs := Encode(d, w.format, w.v)
	if len(fs) > 0 {
		return "", &Failure{Source: d.Source, Reason: fs[0].Message, Pos: fs[0].Pos}, nil
	}
	base := FileName(d.Facts, "device")
	name := base
	for i := 2; w.used[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	w.used[name] = true
	ext := ".json"
	if w.format == "yaml" {
		ext = ".yaml"
	}
	p := filepath.Join(w.dir, name+ext)
	if err := atomicfile.Write(p, func(out io.Writer) error { _, err := out.Write(data); return err }); err != nil {
		return "", nil, fmt.Errorf("write facts: %w", err)
	}
	return p, nil, nil
}

// sortPackages orders packages by name, then version, and drops exact
// duplicates.
func sortPackages(ps []record.Package) []record.Package {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Version < ps[j].Version
	})
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
