package rules

import (
	"fmt"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// referenceRule: every id a record names resolves to a record of the
// right kind.
type referenceRule struct{}

func (referenceRule) Name() string { return "reference" }

func (referenceRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	missing := func(r *record.Record, field, what, id, folder string) {
		out = append(out, at(r, field, "reference", record.SeverityError,
			fmt.Sprintf("%s %q does not exist", what, id),
			fmt.Sprintf("add %s/%s.yaml or correct the id", folder, id)))
	}
	controlsOf := map[string]map[string]bool{}
	for _, r := range e.Records {
		switch r.Kind {
		case record.KindAsset:
			a := r.Asset
			if a.Location != "" && e.Locations[a.Location] == nil {
				missing(r, "location", "location", a.Location, "inventory/locations")
			}
			if a.Baseline != "" && e.Baselines[a.Baseline] == nil {
				missing(r, "baseline", "baseline", a.Baseline, "policies/baselines")
			}
			for i, l := range a.Licences {
				if e.Licences[l] == nil {
					missing(r, fmt.Sprintf("licences.%d", i), "licence", l, "inventory/licences")
				}
			}
			var controls map[string]bool
			// An exemption's control is looked up only when the whole
			// extends chain resolves: a missing parent is reported once,
			// on the baseline, not again on every exemption from it.
			if b := e.Baselines[a.Baseline]; b != nil && len(a.Exemptions) > 0 && chainResolves(e, a.Baseline) {
				if controls = controlsOf[a.Baseline]; controls == nil {
					controls = map[string]bool{}
					for _, c := range EffectiveControls(e, a.Baseline) {
						controls[c.ID] = true
					}
					controlsOf[a.Baseline] = controls
				}
			}
			for i, x := range a.Exemptions {
				if x.Change != "" && e.Changes[x.Change] == nil {
					missing(r, fmt.Sprintf("exemptions.%d.change", i), "change request", x.Change, "changes")
				}
				if controls != nil && x.Control != "" && !controls[x.Control] {
					out = append(out, at(r, fmt.Sprintf("exemptions.%d.control", i), "reference", record.SeverityError,
						fmt.Sprintf("control %q is not in baseline %s", x.Control, a.Baseline), ""))
				}
			}
		case record.KindPerson:
			if m := r.Person.Manager; m != "" && e.People[m] == nil {
				missing(r, "manager", "person", m, "inventory/people")
			}
			if m := r.Person.Manager; m != "" && m == r.Person.ID {
				out = append(out, at(r, "manager", "reference", record.SeverityError, "a person cannot be their own manager", ""))
			}
			if l := r.Person.Location; l != "" && e.Locations[l] == nil {
				missing(r, "location", "location", l, "inventory/locations")
			}
		case record.KindLocation:
			if p := r.Location.Parent; p != "" && e.Locations[p] == nil {
				missing(r, "parent", "location", p, "inventory/locations")
			}
		case record.KindBaseline:
			if x := r.Baseline.Extends; x != "" && e.Baselines[x] == nil {
				missing(r, "extends", "baseline", x, "policies/baselines")
			}
		case record.KindProblem:
			pr := r.Problem
			if l := pr.Match.Location; l != "" && e.Locations[l] == nil {
				missing(r, "match.location", "location", l, "inventory/locations")
			}
			for i, c := range pr.Changes {
				if e.Changes[c] == nil {
					missing(r, fmt.Sprintf("changes.%d", i), "change request", c, "changes")
				}
			}
		case record.KindChangeRequest:
			c := r.ChangeRequest
			if c.Template != "" {
				found := false
				if e.Policy != nil {
					for _, s := range e.Policy.StandardChanges {
						found = found || s.ID == c.Template
					}
				}
				if !found {
					out = append(out, at(r, "template", "reference", record.SeverityError,
						fmt.Sprintf("standard change %q is not in the catalogue of policies/change-control.yaml", c.Template), ""))
				}
			}
			if c.Type == "standard" && c.Template == "" {
				out = append(out, at(r, "type", "reference", record.SeverityError,
					"a standard change must name the catalogue entry it follows (template)", ""))
			}
		}
	}
	return redacted(out)
}

// redacted takes out of messages and hints anything shaped like a secret:
// ids and names are quoted in findings, and a secret pasted where one
// belongs must not be repeated (the secret rule reports it).
func redacted(fs []record.Finding) []record.Finding {
	for i := range fs {
		fs[i].Message, fs[i].Hint = load.Redact(fs[i].Message), load.Redact(fs[i].Hint)
	}
	return fs
}

// chainResolves reports whether every baseline that name extends, directly
// or not, exists (a cycle counts as resolved: extendsRule reports it).
func chainResolves(e *record.Estate, name string) bool {
	seen := map[string]bool{}
	for b := e.Baselines[name]; b != nil && !seen[b.Name]; b = e.Baselines[b.Extends] {
		seen[b.Name] = true
		if b.Extends == "" {
			return true
		}
		if e.Baselines[b.Extends] == nil {
			return false
		}
	}
	return true
}
