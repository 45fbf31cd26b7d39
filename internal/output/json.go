package output

import (
	"encoding/json"
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

// JSON writes the report as one JSON object.
func JSON(w io.Writer, r Report, _ Options) error {
	fs := r.Findings
	if fs == nil {
		fs = []record.Finding{}
	}
	sum := r.Summary
	if sum == nil {
		sum = map[string]int{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(JSONReport{Tool: "estate " + r.Tool, Version: r.Version, OK: r.Failing() == 0,
		Summary: sum, BySeverity: bySeverity(r.Findings), Findings: fs})
}
