package auditrun

import (
	"fmt"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
)

// ParseAsOf reads an --as-of value: a date (YYYY-MM-DD) is the end of
// that day in UTC (23:59:59, as 'estate report --as-of' reads it), so an
// exemption that expires that day still holds and facts of any hour of
// that day count; an RFC 3339 time is that moment. Empty is the zero
// time (judge as of now).
func ParseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, core.UsageError(fmt.Errorf("--as-of %q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s),
		"e.g. --as-of 2026-11-23 judges the facts as of the end of that day (UTC)")
}

// afterAsOf turns the devices collected after asOf (core.ReadFacts
// leaves them out) into RuleAfterAsOf findings: facts of a later day are
// not evidence of the state as of asOf.
func afterAsOf(later []record.Device, asOf time.Time) []record.Finding {
	var late []record.Finding
	for _, d := range later {
		t, _ := time.Parse(time.RFC3339, d.Facts.CollectedAt)
		late = append(late, record.Finding{Pos: record.Pos{File: d.Source}, Rule: RuleAfterAsOf, Severity: record.SevHigh,
			Message:  fmt.Sprintf("%s was collected at %s, after the audit's as-of moment %s: left out of this audit", d.Source, t.UTC().Format(time.RFC3339), asOf.UTC().Format(time.RFC3339)),
			Hint:     "audit the facts as they were then (e.g. from the commit of that day), or a later --as-of",
			Evidence: d.Facts.CollectedAt})
	}
	return late
}
