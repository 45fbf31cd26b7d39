package audit

import (
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// An asset still with a leaver is reported to the leaver's manager, also
// a monitor attached to the leaver's laptop; a leaver logged in on a
// device is reported; nothing is reported when no one has left.
func TestLeavers(t *testing.T) {
	build := func(status string) *record.Estate {
		e := testEstate()
		recs := append([]*record.Record(nil), e.Records...)
		recs = append(recs,
			&record.Record{Kind: record.KindPerson, ID: "jane.doe@example.org", Path: "inventory/people/jane.doe@example.org.yaml",
				Person: &record.Person{ID: "jane.doe@example.org", Name: "Jane", Status: status, Left: "2026-10-31", Manager: "boss@example.org"}},
			&record.Record{Kind: record.KindPerson, ID: "boss@example.org", Path: "inventory/people/boss@example.org.yaml",
				Person: &record.Person{ID: "boss@example.org", Name: "Boss", Status: "active"}},
			&record.Record{Kind: record.KindAsset, ID: "MN-1", Path: "inventory/monitor/MN-1.yaml",
				Asset: &record.Asset{ID: "MN-1", Class: "monitor", Status: "deployed", AttachedTo: "LT-1"}})
		return record.NewEstate(recs)
	}
	devs := []record.Device{{Source: "facts/lt-1.json", Facts: goodFacts("C02AAA", "lt-1")}}
	res := Run(build("leaver"), devs, Options{Now: now, Partial: true})
	m := byRule(res.Findings)
	for _, id := range []string{"LT-1", "LT-2", "MN-1"} {
		fs := m[RuleLeaver+" "+id]
		if len(fs) != 1 || fs[0].Owner != "boss@example.org" || fs[0].Severity != record.SevHigh {
			t.Errorf("%s: leaver findings %+v, want one for boss@example.org", id, fs)
		}
	}
	if m[RuleLeaver+" LT-5"] != nil {
		t.Errorf("a stolen asset is not with the leaver: %+v", m[RuleLeaver+" LT-5"])
	}
	if fs := m[RuleLeaverUser+" LT-1"]; len(fs) != 1 || fs[0].Observed != "jane.doe" {
		t.Errorf("leaver logged in: %+v", fs)
	}
	res = Run(build("active"), devs, Options{Now: now, Partial: true})
	for _, f := range res.Findings {
		if f.Rule == RuleLeaver || f.Rule == RuleLeaverUser {
			t.Errorf("no one left, yet %s", f)
		}
	}
}
