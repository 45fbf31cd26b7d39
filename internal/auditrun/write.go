package auditrun

import (
	"fmt"
	"io"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// Formats are the formats Write knows; the first is the default.
var Formats = []string{"text", "json", "markdown", "sarif", "junit", "github"}

// Report is the audit's findings as an output.Report of tool "audit",
// its summary line counting devices, assets and their compliance, and the
// inventory's accuracy (unregistered, missing, duplicates: two facts
// documents for one asset), which the ledger keeps for evidence (CM-8).
func (r *Result) Report(version string, failOn record.Severity) output.Report {
	s := r.Summary
	dup := 0
	for _, f := range r.Findings {
		if f.Rule == audit.RuleDuplicate {
			dup++
		}
	}
	return output.Report{Tool: "audit", Version: version, Findings: r.Findings, FailOn: failOn,
		Summary: map[string]int{"devices": s.Devices, "assets": s.Assets, "unregistered": s.Unregistered,
			"missing": s.Missing, "duplicates": dup, "compliant": s.Compliant, "non-compliant": s.NonCompliant, "unverified": s.Unverified}}
}

// The stable shape of 'estate audit --format json': the shared report
// fields (output.JSONReport), the moment judged (as_of, RFC 3339: now,
// or the --as-of moment), the compliance summary and, for one part of a
// sharded audit only, the part (shard). It is written a finding at a
// time (output.WriteJSONReport).

// factsStoreJSON is the audit report's facts_store: what a facts store
// held when it was audited, its files and their SHA-256, not the facts.
type factsStoreJSON struct {
	Files []factstore.File `json:"files"`
	Rows  int64            `json:"rows"`
}

// Write writes rep (from r.Report) in format: the shared formats of
// package output, with the compliance summary after the findings in
// text and markdown, and as the compliance object in json.
func Write(w io.Writer, format string, rep output.Report, r *Result, o output.Options) error {
	s := r.Summary
	switch format {
	case "json":
		by := map[string]int{}
		for _, f := range rep.Findings {
			by[f.Severity.String()]++
		}
		if s.Baselines == nil {
			s.Baselines = []audit.BaselineSummary{}
		}
		if s.Locations == nil {
			s.Locations = []audit.LocationSummary{}
		}
		tail := []output.JSONField{{Key: "as_of", Value: r.At.UTC().Format(time.RFC3339)}, {Key: "compliance", Value: s}}
		if r.LedgerHead != nil {
			tail = append(tail, output.JSONField{Key: "ledger_head", Value: r.LedgerHead})
		}
		if r.Store != nil {
			store := &factsStoreJSON{Files: r.Store}
			for _, f := range r.Store {
				store.Rows += f.Rows
			}
			tail = append(tail, output.JSONField{Key: "facts_store", Value: store})
		}
		if r.Seen != nil {
			tail = append(tail, output.JSONField{Key: "partial", Value: map[string][]string{"seen": r.Seen}})
		}
		if r.Part != nil {
			p := *r.Part
			p.FailOn = rep.FailOn.String()
			if rep.FailOn == 0 {
				p.FailOn = "never"
			}
			tail = append(tail, output.JSONField{Key: "shard", Value: p})
		}
		return output.WriteJSONReport(w, []output.JSONField{{Key: "tool", Value: "estate audit"}, {Key: "version", Value: rep.Version},
			{Key: "ok", Value: rep.Failing() == 0}, {Key: "summary", Value: rep.Summary}, {Key: "by_severity", Value: by}},
			rep.Findings, tail, false)
	case "text":
		if err := output.Write(w, format, rep, o); err != nil {
			return err
		}
		if r.AsOf {
			fmt.Fprintf(w, "\naudited as of %s (--as-of): freshness and exemptions judged then\n", r.At.UTC().Format(time.RFC3339))
		}
		writeComplianceText(w, s)
		return nil
	case "markdown":
		if err := output.Write(w, format, rep, output.Options{}); err != nil {
			return err
		}
		if r.AsOf {
			fmt.Fprintf(w, "\nAudited as of %s (`--as-of`): freshness and exemptions judged then.\n", r.At.UTC().Format(time.RFC3339))
		}
		writeComplianceMarkdown(w, s)
		return nil
	}
	return output.Write(w, format, rep, o)
}
