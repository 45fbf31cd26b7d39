package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/estate-dev/estate/internal/record"
)

// EffectiveControls returns the controls of baseline name with those it
// extends, nearest first: a control of the baseline itself overrides an
// inherited one of the same id. A control without its own effective
// date or grace takes those of the baseline version that holds it. A
// cycle stops the walk (extendsRule reports it).
func EffectiveControls(e *record.Estate, name string) []record.Control {
	var out []record.Control
	seen := map[string]bool{}
	have := map[string]bool{}
	for b := e.Baselines[name]; b != nil && !seen[b.Name]; b = e.Baselines[b.Extends] {
		seen[b.Name] = true
		for _, c := range b.Controls {
			if !have[c.ID] {
				have[c.ID] = true
				if c.Effective == "" {
					c.Effective = b.Effective
				}
				if c.Grace == "" {
					c.Grace = b.Grace
				}
				out = append(out, c)
			}
		}
		if b.Extends == "" {
			break
		}
	}
	return out
}

// extendsRule: a baseline's extends chain ends.
type extendsRule struct{}

func (extendsRule) Name() string { return "baseline-extends" }

func (extendsRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	for _, r := range e.Records {
		if r.Kind != record.KindBaseline || r.Baseline.Extends == "" {
			continue
		}
		chain := []string{r.ID}
		seen := map[string]bool{r.ID: true}
		for b := e.Baselines[r.Baseline.Extends]; b != nil; b = e.Baselines[b.Extends] {
			chain = append(chain, b.Name)
			if seen[b.Name] {
				out = append(out, at(r, "extends", "baseline-extends", record.SeverityError,
					"baselines extend each other in a cycle: "+strings.Join(chain, " → "), "break the cycle"))
				break
			}
			seen[b.Name] = true
			if b.Extends == "" {
				break
			}
		}
	}
	return redacted(out)
}

// controlRule: a control's id is unique in its baseline, and its check
// reads one thing with operators that make sense for it.
type controlRule struct{}

func (controlRule) Name() string { return "control" }

func (controlRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	for _, r := range e.Records {
		if r.Kind != record.KindBaseline {
			continue
		}
		seen := map[string]bool{}
		for i, c := range r.Baseline.Controls {
			field := fmt.Sprintf("controls.%d", i)
			if seen[c.ID] {
				out = append(out, at(r, field+".id", "control", record.SeverityError,
					fmt.Sprintf("control id %q appears twice in the baseline", c.ID), ""))
			}
			seen[c.ID] = true
			if _, err := record.ParseGrace(c.Grace); err != nil {
				out = append(out, at(r, field+".grace", "control", record.SeverityError, err.Error(), "write the grace as days or weeks, e.g. 14d"))
			}
			if c.Effective != "" {
				if _, err := time.Parse("2006-01-02", c.Effective); err != nil {
					out = append(out, at(r, field+".effective", "control", record.SeverityError,
						fmt.Sprintf("control %s: effective %q is not a date (YYYY-MM-DD)", c.ID, c.Effective), ""))
				}
			}
			for _, p := range CheckProblems(c.Check) {
				out = append(out, at(r, field+".check", "control", record.SeverityError,
					fmt.Sprintf("control %s: %s", c.ID, p), "see the check operators in docs/records.md"))
			}
		}
	}
	return redacted(out)
}

// CheckProblems lists what is wrong with a check that the schema does not
// say (#Check in schema/baseline.cue says what it reads, that it has one
// operator and which facts exist): a version constraint that does not
// parse (hashicorp/go-version), a regular expression that does not
// compile (Go's RE2 syntax, as the audit runs it), a max_age that is no
// duration, min above max, and present or absent said of a fact.
func CheckProblems(c record.Check) []string {
	var out []string
	if c.Version != "" {
		if _, err := version.NewConstraint(c.Version); err != nil {
			out = append(out, fmt.Sprintf("version constraint %q does not parse: %v", c.Version, err))
		}
	}
	if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
		out = append(out, fmt.Sprintf("min %v is above max %v: no value passes", *c.Min, *c.Max))
	}
	if c.Matches != "" {
		if _, err := regexp.Compile(c.Matches); err != nil {
			out = append(out, fmt.Sprintf("matches %q is not a regular expression (Go RE2 syntax): %v", c.Matches, err))
		}
	}
	if (c.Present || c.Absent) && c.Package == "" {
		out = append(out, "present and absent apply to packages")
	}
	if c.MaxAge != "" {
		if _, err := time.ParseDuration(c.MaxAge); err != nil {
			out = append(out, fmt.Sprintf("max_age %q is not a duration", c.MaxAge))
		}
	}
	return out
}
