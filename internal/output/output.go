package output

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// Report is a set of findings with what produced it.
type Report struct {
	Tool     string // e.g. "validate"
	Version  string // estate's version
	Findings []record.Finding
	// Summary holds counts for the closing line and the JSON summary,
	// e.g. files, records, cached.
	Summary map[string]int
	// FailOn is the severity at or above which the run fails.
	FailOn record.Severity
}

// Options tune a writer.
type Options struct {
	Color bool
}

// Writer writes a report in one format.
type Writer func(w io.Writer, r Report, o Options) error

var writers = map[string]Writer{
	"text":     Text,
	"json":     JSON,
	"github":   GitHub,
	"sarif":    SARIF,
	"junit":    JUnit,
	"markdown": Markdown,
}

// Formats lists the formats Write knows, sorted.
func Formats() []string {
	out := make([]string, 0, len(writers))
	for k := range writers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Write writes r in format, or fails for an unknown format.
func Write(w io.Writer, format string, r Report, o Options) error {
	wr, ok := writers[format]
	if !ok {
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return wr(w, r, o)
}

// Failing counts the findings at or above r.FailOn.
func (r Report) Failing() int { return record.Failing(r.Findings, r.FailOn) }

// bySeverity counts findings per severity name.
func bySeverity(fs []record.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Severity.String()]++
	}
	return m
}
