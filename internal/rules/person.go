package rules

import (
	"fmt"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// personRule: once an estate has people (inventory/people/), an asset's
// owner is a person of it; only a leaver has a left date. (Assets still
// with a leaver are the audit's to report: estate audit --physical.)
type personRule struct{}

func (personRule) Name() string { return "person" }

func (personRule) Check(e *record.Estate, _ Env) []record.Finding {
	if len(e.People) == 0 {
		return nil
	}
	var out []record.Finding
	for _, r := range e.Records {
		switch r.Kind {
		case record.KindAsset:
			o := r.Asset.Owner
			if o == "" {
				continue
			}
			if e.People[strings.ToLower(o)] == nil {
				out = append(out, at(r, "owner", "person", record.SevMedium,
					fmt.Sprintf("owner %q is not a person of the estate", o),
					fmt.Sprintf("add inventory/people/%s.yaml (estate people pull, estate import people) or correct the owner", strings.ToLower(o))))
			}
		case record.KindPerson:
			p := r.Person
			if p.Left != "" && p.Status != record.PersonLeaver {
				out = append(out, at(r, "left", "person", record.SevLow,
					fmt.Sprintf("%s has a left date but is %s", p.ID, p.Status), "set status: leaver, or remove left"))
			}
		}
	}
	return redacted(out)
}
