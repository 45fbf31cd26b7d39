package rules

import (
	"fmt"

	"github.com/estate-dev/estate/internal/record"
)

// idPatternRule: ids follow the patterns estate.yaml sets per kind
// (CompileIDs, shared with the writer, the importer and change new).
type idPatternRule struct{}

func (idPatternRule) Name() string { return "id-pattern" }

func (idPatternRule) Check(e *record.Estate, _ Env) []record.Finding {
	if e.Settings == nil || e.Settings.IDs == nil {
		return nil
	}
	ids, errs := CompileIDs(e.Settings)
	var out []record.Finding
	var settings *record.Record
	for _, r := range e.Records {
		if r.Kind == record.KindSettings {
			settings = r
		}
	}
	if settings != nil {
		for _, pe := range errs {
			out = append(out, at(settings, "ids", "id-pattern", record.SeverityError,
				fmt.Sprintf("the %s id pattern %q is not a regular expression: %v", pe.Kind, pe.Pattern, pe.Err), ""))
		}
	}
	for _, r := range e.Records {
		if re := ids.Pattern(r.Kind); re != nil && r.ID != "" && !re.MatchString(r.ID) {
			out = append(out, at(r, "id", "id-pattern", record.SeverityError,
				fmt.Sprintf("id %q does not follow this estate's pattern %s", r.ID, re), "see ids: in estate.yaml"))
		}
	}
	return redacted(out)
}

// CheckRecord runs the rules that concern one record alone (the file name
// is the id, the folder fits the kind and class, the id follows
// estate.yaml's pattern) over rec, with settings (nil: none) as
// estate.yaml: what the writer checks before it writes a record.
func CheckRecord(settings *record.Settings, rec *record.Record) []record.Finding {
	recs := []*record.Record{rec}
	if settings != nil && rec.Kind != record.KindSettings {
		recs = append(recs, &record.Record{Kind: record.KindSettings, ID: "estate", Path: "estate.yaml", Settings: settings})
	}
	e := record.NewEstate(recs)
	var out []record.Finding
	for _, f := range append(layoutRule{}.Check(e, Env{}), idPatternRule{}.Check(e, Env{})...) {
		if f.Pos.File == rec.Path {
			out = append(out, f)
		}
	}
	return out
}
