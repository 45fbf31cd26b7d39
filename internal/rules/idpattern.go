package rules

import (
	"fmt"
	"regexp"

	"github.com/estate-dev/estate/internal/record"
)

// idPatternRule: ids follow the patterns estate.yaml sets per kind.
type idPatternRule struct{}

func (idPatternRule) Name() string { return "id-pattern" }

func (idPatternRule) Check(e *record.Estate, _ Env) []record.Finding {
	if e.Settings == nil || e.Settings.IDs == nil {
		return nil
	}
	ids := e.Settings.IDs
	patterns := map[record.Kind]string{record.KindAsset: ids.Asset, record.KindLicence: ids.Licence,
		record.KindLocation: ids.Location, record.KindChangeRequest: ids.Change}
	compiled := map[record.Kind]*regexp.Regexp{}
	var out []record.Finding
	var settings *record.Record
	for _, r := range e.Records {
		if r.Kind == record.KindSettings {
			settings = r
		}
	}
	for k, p := range patterns {
		if p == "" {
			continue
		}
		re, err := regexp.Compile(p)
		if err != nil {
			if settings != nil {
				out = append(out, at(settings, "ids", "id-pattern", record.SeverityError,
					fmt.Sprintf("the %s id pattern %q is not a regular expression: %v", k, p, err), ""))
			}
			continue
		}
		compiled[k] = re
	}
	for _, r := range e.Records {
		if re := compiled[r.Kind]; re != nil && r.ID != "" && !re.MatchString(r.ID) {
			out = append(out, at(r, "id", "id-pattern", record.SeverityError,
				fmt.Sprintf("id %q does not follow this estate's pattern %s", r.ID, re), "see ids: in estate.yaml"))
		}
	}
	return redacted(out)
}
