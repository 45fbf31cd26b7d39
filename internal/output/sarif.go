package output

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/estate-dev/estate/internal/record"
)

// SARIF writes a SARIF 2.1.0 log with one run, one rule per rule name.
func SARIF(w io.Writer, r Report, _ Options) error {
	type region struct {
		StartLine   int `json:"startLine,omitempty"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type message struct {
		Text string `json:"text"`
	}
	type result struct {
		RuleID    string         `json:"ruleId"`
		Level     string         `json:"level"`
		Message   message        `json:"message"`
		Locations []location     `json:"locations"`
		Props     map[string]any `json:"properties,omitempty"`
	}
	type rule struct {
		ID               string  `json:"id"`
		ShortDescription message `json:"shortDescription"`
	}
	ruleSet := map[string]bool{}
	results := []result{}
	for _, f := range r.Findings {
		ruleSet[f.Rule] = true
		level := "note"
		switch {
		case f.Severity >= record.SevHigh:
			level = "error"
		case f.Severity >= record.SevMedium:
			level = "warning"
		}
		text := f.Message
		if f.Hint != "" {
			text += " (" + f.Hint + ")"
		}
		loc := location{PhysicalLocation: physical{ArtifactLocation: artifact{URI: f.Pos.File}}}
		if f.Pos.Line > 0 {
			loc.PhysicalLocation.Region = &region{StartLine: f.Pos.Line, StartColumn: f.Pos.Col}
		}
		props := map[string]any{"severity": f.Severity.String()}
		for k, v := range map[string]string{"record": f.Record, "field": f.Field, "owner": f.Owner} {
			if v != "" {
				props[k] = v
			}
		}
		results = append(results, result{RuleID: f.Rule, Level: level, Message: message{text}, Locations: []location{loc}, Props: props})
	}
	rules := []rule{}
	names := make([]string, 0, len(ruleSet))
	for k := range ruleSet {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		rules = append(rules, rule{ID: n, ShortDescription: message{"estate rule " + n}})
	}
	log := map[string]any{
		"version": "2.1.0",
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "estate", "version": r.Version, "informationUri": "https://github.com/estate-dev/estate", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
