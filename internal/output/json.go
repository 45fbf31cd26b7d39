package output

import (
	"io"

	"github.com/estate-dev/estate/internal/record"
)

// JSONReport is the stable shape of --format json (docs/output.md).
type JSONReport struct {
	Tool       string           `json:"tool"`
	Version    string           `json:"version"`
	OK         bool             `json:"ok"`
	Summary    map[string]int   `json:"summary"`
	BySeverity map[string]int   `json:"by_severity"`
	Findings   []record.Finding `json:"findings"`
}

// JSON writes the report as one JSON object, a finding at a time
// (WriteJSONReport).
func JSON(w io.Writer, r Report, _ Options) error {
	sum := r.Summary
	if sum == nil {
		sum = map[string]int{}
	}
	return WriteJSONReport(w, []JSONField{{"tool", "estate " + r.Tool}, {"version", r.Version}, {"ok", r.Failing() == 0},
		{"summary", sum}, {"by_severity", bySeverity(r.Findings)}}, r.Findings, nil, true)
}
