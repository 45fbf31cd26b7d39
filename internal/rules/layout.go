package rules

import (
	"fmt"
	"strings"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// layoutRule: a record's file name is its id, and its folder fits its
// kind (and, for an asset, its class).
type layoutRule struct{}

func (layoutRule) Name() string { return "layout" }

func (layoutRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	lay := e.Settings.LayoutRule()
	for _, r := range e.Records {
		place := load.Classify(r.Path)
		if place.Kind == "" {
			continue
		}
		if want := lay.Path(place.Kind, place.Class, place.ID); want != "" && want != r.Path {
			// The file's own name and folder are what the layout files it
			// by: a wrong id or class inside is reported below.
			msg := fmt.Sprintf("%s is filed in the wrong folder: the layout (estate.yaml layout.prefix %d) files it at %s", place.ID, lay.Prefix, want)
			if lay.Prefix == 0 {
				msg = fmt.Sprintf("%s is in a sub-folder, but estate.yaml sets no layout: it belongs at %s", place.ID, want)
			}
			out = append(out, record.Finding{Pos: record.Pos{File: r.Path}, Rule: "layout", Severity: record.SeverityError,
				Record: r.ID, Message: msg, Hint: "move it there (git mv), or run estate layout migrate to move every record"})
		}
		if r.Kind != place.Kind {
			out = append(out, at(r, "kind", "layout", record.SeverityError,
				fmt.Sprintf("%s %s record does not belong here: this folder holds %s records", article(string(r.Kind)), r.Kind, place.Kind),
				"move the file to the folder for its kind (see the repository layout in the README)"))
			continue
		}
		idField := "id"
		if r.Kind == record.KindBaseline {
			idField = "name"
		}
		// An id that is a path (../../etc/passwd) is not a file name to
		// suggest: the schema's id pattern reports it.
		if r.Kind != record.KindChangePolicy && r.Kind != record.KindSettings && r.ID != "" && r.ID != place.ID &&
			!strings.ContainsAny(r.ID, `/\`) {
			out = append(out, at(r, idField, "file-name", record.SeverityError,
				fmt.Sprintf("%s %q is in a file named %q; the file name must be the %s", idField, r.ID, place.ID+".yaml", idField),
				fmt.Sprintf("rename the file to %s.yaml", r.ID)))
		}
		if r.Kind == record.KindAsset && r.Asset.Class != "" && r.Asset.Class != place.Class {
			out = append(out, at(r, "class", "layout", record.SeverityError,
				fmt.Sprintf("%s %s is filed under inventory/%s/", article(r.Asset.Class), r.Asset.Class, place.Class),
				fmt.Sprintf("move it to inventory/%s/", r.Asset.Class)))
		}
	}
	return redacted(out)
}

// article returns "an" before a word that starts with a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
