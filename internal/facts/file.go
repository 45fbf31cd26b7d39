package facts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// MaxFileBytes is the largest facts file read: a device's facts with a few
// thousand packages are well under 2 MB.
const MaxFileBytes = 16 << 20

// Rule names of findings about facts files.
const (
	RuleFile   = "facts/file"   // unreadable, too large, not a facts file
	RuleFacts  = "facts/schema" // not a valid #Facts document
	RuleDevice = "facts/device" // a device that could not be collected
)

// ReadOptions tune ReadDir.
type ReadOptions struct {
	Schema   *schema.Schema // to validate each document against #Facts
	Workers  int            // files read at once (default: all cores)
	MaxBytes int64          // default MaxFileBytes
	// Prefix is put before each file's path in Sources and findings (e.g.
	// "facts/" when dir is the repository's facts folder).
	Prefix string
}

// ReadDir reads every facts document (*.json, *.yaml, *.yml) under dir,
// validates it against #Facts and returns the valid ones. A file that is
// too large, not YAML/JSON, or not a valid document is a finding with its
// position, and the others go on. The error means dir itself could not be
// read.
func ReadDir(ctx context.Context, dir string, o ReadOptions) ([]record.Device, []record.Finding, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxFileBytes
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read facts: %w", err)
	}
	defer root.Close()
	fsys := root.FS()
	var files []string
	var findings []record.Finding
	err = fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			if p != "." && strings.HasPrefix(de.Name(), ".") {
				return fs.SkipDir
			}
			return ctx.Err()
		}
		name := de.Name()
		switch {
		case strings.HasPrefix(name, "."), strings.EqualFold(name, "README.md"):
		case de.Type()&fs.ModeSymlink != 0 || !de.Type().IsRegular():
			findings = append(findings, record.Finding{Pos: record.Pos{File: o.Prefix + p}, Rule: RuleFile, Severity: record.SevHigh,
				Message: "not a regular file (a link or device); it was not read", Hint: "put the facts file itself here"})
		case isFactsFile(name):
			files = append(files, p)
		default:
			findings = append(findings, record.Finding{Pos: record.Pos{File: o.Prefix + p}, Rule: RuleFile, Severity: record.SevLow,
				Message: "not a facts file (want .json, .yaml or .yml); it was not read"})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read facts: %w", err)
	}
	sort.Strings(files)

	devices := make([]*record.Device, len(files))
	perFile := make([][]record.Finding, len(files))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(o.Workers, max(1, len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v *schema.Validator
			if o.Schema != nil {
				v = o.Schema.NewValidator()
			}
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				name := o.Prefix + files[i]
				data, err := readCapped(root, files[i], o.MaxBytes)
				if err != nil {
					perFile[i] = []record.Finding{{Pos: record.Pos{File: name}, Rule: RuleFile, Severity: record.SevHigh,
						Message: err.Error() + "; the device's facts were not used"}}
					continue
				}
				f, fs := Parse(name, data, v)
				perFile[i] = fs
				if f != nil {
					devices[i] = &record.Device{Source: name, Facts: f}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var out []record.Device
	for i := range files {
		findings = append(findings, perFile[i]...)
		if devices[i] != nil {
			out = append(out, *devices[i])
		}
	}
	return out, findings, nil
}

func isFactsFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// readCapped reads a file of at most max bytes.
func readCapped(root *os.Root, name string, max int64) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot open: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if info.Size() > max {
		return nil, fmt.Errorf("the file is %s, over the %s limit for a facts file; it was not read", size(info.Size()), size(max))
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("the file grew past the %s limit for a facts file while it was read", size(max))
	}
	return data, nil
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Parse reads one facts document (JSON or YAML) named file. With a
// validator it is checked against #Facts; every problem is a finding at
// its line and column, and the facts are nil when there is any.
func Parse(file string, data []byte, v *schema.Validator) (*record.Facts, []record.Finding) {
	if f := parseFast(data, v); f != nil {
		return f, nil
	}
	root, fs := load.Parse(file, data)
	if len(fs) > 0 {
		return nil, markDevice(fs)
	}
	value, fs := load.Value(file, root, load.Limits{MaxFileBytes: MaxFileBytes, MaxNodes: 1_000_000})
	if len(fs) > 0 {
		return nil, markDevice(fs)
	}
	if v != nil {
		if fs := v.Validate(record.KindFacts, value, file, root); len(fs) > 0 {
			return nil, markDevice(fs)
		}
	}
	f := new(record.Facts)
	if err := root.Decode(f); err != nil {
		return nil, []record.Finding{{Pos: record.Pos{File: file, Line: root.Line, Col: root.Column}, Rule: RuleFacts,
			Severity: record.SevHigh, Message: "not a facts document: " + err.Error() + "; the device's facts were not used"}}
	}
	if f.Kind != string(record.KindFacts) {
		return nil, []record.Finding{{Pos: load.PosOf(file, root, "kind"), Rule: RuleFacts, Severity: record.SevHigh,
			Message: fmt.Sprintf("kind is %q, want Facts; the file was not used", f.Kind)}}
	}
	if f.Identity.Serial == "" && f.Identity.Hostname == "" {
		return nil, []record.Finding{{Pos: load.PosOf(file, root, "identity"), Rule: RuleFacts, Severity: record.SevHigh,
			Message: "the facts name neither a serial nor a hostname, so no asset can be matched; the device's facts were not used",
			Hint:    "collect identity.serial (DMI, system_info.hardware_serial) or identity.hostname"}}
	}
	return f, nil
}

// parseFast reads a valid JSON facts document without the YAML parser,
// or returns nil: then Parse takes the YAML route, which finds the same
// problems and places each at its line and column. On the documents
// collectors write it takes about half the CPU time of the YAML route.
func parseFast(data []byte, v *schema.Validator) *record.Facts {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil
	}
	value, ok := fastJSON(data)
	if !ok {
		return nil
	}
	if v != nil && len(v.Validate(record.KindFacts, value, "", &yaml.Node{Kind: yaml.MappingNode})) > 0 {
		return nil
	}
	f := new(record.Facts)
	load.Decode(value, f)
	if f.Kind != string(record.KindFacts) || (f.Identity.Serial == "" && f.Identity.Hostname == "") {
		return nil
	}
	return f
}

// markDevice says, on each finding, that the device's facts were not used.
func markDevice(fs []record.Finding) []record.Finding {
	for i := range fs {
		if fs[i].Severity < record.SevHigh {
			fs[i].Severity = record.SevHigh
		}
		if !strings.HasSuffix(fs[i].Message, "were not used") {
			fs[i].Message += " (the device's facts were not used)"
		}
	}
	return fs
}
