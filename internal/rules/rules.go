package rules

import (
	"sync"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Env is what rules may know of the world beyond the estate.
type Env struct {
	Now time.Time // expiry is judged against this date
}

// Rule is one cross-record rule.
type Rule interface {
	Name() string
	Check(e *record.Estate, env Env) []record.Finding
}

// All lists every rule, in the order they run.
var All = []Rule{
	layoutRule{},
	uniqueRule{},
	referenceRule{},
	extendsRule{},
	controlRule{},
	lifecycleRule{},
	personRule{},
	expiryRule{},
	idPatternRule{},
}

// Check runs every rule over e.
// The rules only read e, so they run at once; the findings come back in
// the order of All.
func Check(e *record.Estate, env Env) []record.Finding {
	results := make([][]record.Finding, len(All))
	var wg sync.WaitGroup
	for i, r := range All {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.Check(e, env)
		}()
	}
	wg.Wait()
	var out []record.Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}

// at makes a finding against rec's field (a dotted path; "path:key" points
// at the key rather than the value).
func at(rec *record.Record, field, rule string, sev record.Severity, msg, hint string) record.Finding {
	return record.Finding{Pos: record.Pos{File: rec.Path}, Rule: rule, Severity: sev, Message: msg, Hint: hint,
		Record: rec.ID, Field: field}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
