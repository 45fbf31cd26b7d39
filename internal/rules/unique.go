package rules

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/estate-dev/estate/internal/record"
)

// uniqueRule: ids are unique per kind (assets across all classes),
// compared without case, and serials and hostnames are unique among
// assets.
type uniqueRule struct{}

func (uniqueRule) Name() string { return "unique" }

func (uniqueRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	type kindID struct {
		kind record.Kind
		id   string
	}
	ids := make(map[kindID]*record.Record, len(e.Records))
	serials := make(map[string]*record.Record, len(e.Assets))
	hosts := make(map[string]*record.Record, len(e.Assets))
	for _, r := range e.Records {
		if r.ID == "" {
			continue
		}
		// Ids are compared without case: two files whose names differ
		// only in case are one file on macOS and Windows, and a person
		// reads LT-1 and lt-1 as one asset.
		key := kindID{r.Kind, strings.ToLower(r.ID)}
		switch first, ok := ids[key]; {
		case ok && first.ID == r.ID:
			out = append(out, at(r, "id", "unique-id", record.SeverityError,
				fmt.Sprintf("%s id %q is also used by %s", r.Kind, r.ID, first.Path), "give each record its own id"))
		case ok:
			out = append(out, at(r, "id", "unique-id", record.SeverityError,
				fmt.Sprintf("%s id %q differs only in case from %q (%s)", r.Kind, r.ID, first.ID, first.Path),
				"ids are compared without case (such files collide on macOS and Windows): rename one"))
		default:
			ids[key] = r
		}
		if r.Kind != record.KindAsset {
			continue
		}
		a := r.Asset
		if a.Serial != "" {
			s := a.Serial
			if strings.ContainsFunc(s, unicode.IsLower) {
				s = strings.ToUpper(s) // serials are compared case-blind
			}
			if first, ok := serials[s]; ok {
				out = append(out, at(r, "serial", "unique-serial", record.SeverityError,
					fmt.Sprintf("serial %q is also the serial of %s (%s)", a.Serial, first.ID, first.Path),
					"one device, one record: remove the duplicate or correct the serial"))
			} else {
				serials[s] = r
			}
		}
		if a.Hostname != "" && a.Status != "disposed" {
			if first, ok := hosts[a.Hostname]; ok {
				out = append(out, at(r, "hostname", "unique-hostname", record.SeverityError,
					fmt.Sprintf("hostname %q is also the hostname of %s (%s)", a.Hostname, first.ID, first.Path), ""))
			} else {
				hosts[a.Hostname] = r
			}
		}
	}
	return out
}
