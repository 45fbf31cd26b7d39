package record

import (
	"fmt"
	"sort"
)

// Pos is a position in a file: 1-based line and column; zero when unknown.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Severity orders findings. The zero value is invalid.
type Severity int

// Severities, lowest first.
const (
	SevInfo Severity = iota + 1
	SevLow
	SevMedium
	SevHigh
	SevCritical
)

// SeverityError is how validation errors rank: a record that is not valid
// is as serious as it gets.
const SeverityError = SevCritical

var severityNames = map[Severity]string{SevInfo: "info", SevLow: "low", SevMedium: "medium", SevHigh: "high", SevCritical: "critical"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseSeverity reads a severity name (info, low, medium, high, critical);
// "error" means critical and "warning" means medium.
func ParseSeverity(s string) (Severity, error) {
	for k, v := range severityNames {
		if v == s {
			return k, nil
		}
	}
	switch s {
	case "error":
		return SevCritical, nil
	case "warning":
		return SevMedium, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Finding is one problem found: where, which rule, how serious, and what a
// person can do about it. A finding is a result, not a Go error.
type Finding struct {
	Pos      Pos      `json:"pos"`
	Rule     string   `json:"rule"`     // e.g. yaml/syntax, schema, unique-serial
	Severity Severity `json:"severity"` // critical for invalid records
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	// Record and Field name the record (id) and field path (dotted, e.g.
	// exemptions.0.change) when known.
	Record string `json:"record,omitempty"`
	Field  string `json:"field,omitempty"`
	// Owner is who should act: the asset's owner or the baseline's owner.
	Owner string `json:"owner,omitempty"`
	// For audit findings: the control, what was expected and observed,
	// and the evidence (collector and time).
	Control  string `json:"control,omitempty"`
	Expected string `json:"expected,omitempty"`
	Observed string `json:"observed,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	// For a failing control: its state by effective date and grace
	// (upcoming, in-grace, breached), the day the device started failing
	// it (from the ledger's compliance changes, else the audit's day) and
	// how many days ago that was, the day its grace ends, and the day the
	// control takes effect when it has one.
	State        string `json:"state,omitempty"`
	FailingSince string `json:"failing_since,omitempty"`
	AgeDays      *int   `json:"age_days,omitempty"`
	GraceUntil   string `json:"grace_until,omitempty"`
	Effective    string `json:"effective,omitempty"`
	// Problem is the known error (problems/<id>.yaml) that explains a
	// failing control, when one matches.
	Problem string `json:"problem,omitempty"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s [%s]", f.Pos, f.Message, f.Rule)
}

// SortFindings orders findings by file, line, column and rule, stably:
// the order every report prints them in.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Pos, fs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return fs[i].Rule < fs[j].Rule
	})
}

// Failing counts the findings at or above failOn; a failOn of 0 ("never")
// fails none. It is the one --fail-on rule of every command.
func Failing(fs []Finding, failOn Severity) int {
	if failOn == 0 {
		return 0
	}
	n := 0
	for _, f := range fs {
		if f.Severity >= failOn {
			n++
		}
	}
	return n
}

// Percent is n as a share of of, 0–100; 0 when of is 0 (nothing judged
// is no score). The compliance score of every report.
func Percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// IsDate reports whether s has the form of a date as records write it,
// YYYY-MM-DD (digits; the schema checks the calendar). A value of that
// form is written plain, so that YAML reads back the date as written.
func IsDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < 10; i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}
