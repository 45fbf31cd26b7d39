package licence

import (
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

func estate(recs ...any) *record.Estate {
	var rs []*record.Record
	for _, v := range recs {
		r := &record.Record{}
		if err := r.Set(v); err != nil {
			panic(err)
		}
		switch v := v.(type) {
		case *record.Asset:
			r.Kind, r.Path = record.KindAsset, "inventory/"+v.Class+"/"+v.ID+".yaml"
		case *record.Licence:
			r.Kind, r.Path = record.KindLicence, "inventory/licences/"+v.ID+".yaml"
		}
		rs = append(rs, r)
	}
	return record.NewEstate(rs)
}

func asset(id, status, serial, host, owner string, lic ...string) *record.Asset {
	return &record.Asset{ID: id, Class: "laptop", Status: status, Serial: serial, Hostname: host, Owner: owner, Licences: lic}
}

func facts(serial, host string, pkgs ...string) record.Facts {
	f := record.Facts{Identity: record.Identity{Serial: serial, Hostname: host}}
	for _, p := range pkgs {
		f.Packages = append(f.Packages, record.Package{Name: p})
	}
	return f
}

// TestAnalyse checks every count against a hand-computed truth:
//
//	OFFICE (device, 3 seats, £100 a seat a year): assigned LT-1, LT-2, LT-3 (deployed),
//	  LT-9 (disposed: reclaimable); installs seen on LT-1 (serial), LT-4
//	  (hostname FQDN, not assigned) and one unknown machine. Used = LT-1, LT-2,
//	  LT-3, LT-4, unknown = 5 > 3: over by 2; installed 3, unassigned 2.
//	ADOBE (user, 4 seats, £10 a seat a month): assigned LT-1 and LT-2, both
//	  owned by a@x; LT-5 (owner b@x) has it installed. Users: a@x, b@x = 2;
//	  unused 2 -> saving 2 x 10 x 12 = 240/year. Expires in 30 days: expiring.
//	OLD (device, 1 seat, no packages): nothing assigned, expired 2026-01-01.
func TestAnalyse(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	e := estate(
		&record.Licence{ID: "OFFICE", Product: "Office", Seats: 3, Packages: []string{"Microsoft Office*", "microsoft-365*"},
			Cost: &record.LicenceCost{Amount: 100, Currency: "GBP"}},
		&record.Licence{ID: "ADOBE", Product: "Creative Cloud", Metric: "user", Seats: 4, Packages: []string{"Adobe*"},
			Expires: "2026-12-23", Cost: &record.LicenceCost{Amount: 10, Currency: "GBP", Period: "month"}},
		&record.Licence{ID: "OLD", Product: "Old", Seats: 1, Expires: "2026-01-01"},
		asset("LT-1", "deployed", "S1", "lt-1", "a@x.org", "OFFICE", "ADOBE"),
		asset("LT-2", "deployed", "S2", "lt-2", "a@x.org", "OFFICE", "ADOBE"),
		asset("LT-3", "loaned", "S3", "lt-3", "c@x.org", "OFFICE", "OFFICE"),
		asset("LT-4", "deployed", "S4", "lt-4", "d@x.org"),
		asset("LT-5", "deployed", "S5", "lt-5", "b@x.org"),
		asset("LT-9", "disposed", "S9", "", "", "OFFICE"),
	)
	fs := []record.Facts{
		facts("s1", "", "Microsoft Office 2021", "Adobe Acrobat"),
		facts("", "LT-4.corp.example.org", "microsoft-365-apps"),
		facts("ZZZ", "stranger", "Microsoft Office Home"),
		facts("S5", "", "Adobe Photoshop"),
		facts("S2", "", "Firefox"),
	}
	rep := Analyse(e, fs, Options{Now: now, ExpiringWithin: 60})
	if rep.FactsDevices != 5 || rep.FactsUnmatched != 1 {
		t.Errorf("facts %d unmatched %d, want 5 and 1", rep.FactsDevices, rep.FactsUnmatched)
	}
	got := map[string]Usage{}
	for _, u := range rep.Licences {
		got[u.ID] = u
	}
	o := got["OFFICE"]
	if o.Assigned != 3 || o.Installed != 3 || o.Unassigned != 2 || o.Used != 5 || o.Over != 2 || o.Unused != 0 ||
		o.Reclaimable != 1 || o.Status != "over-deployed" || o.UnitCost != 100 || o.Period != "year" {
		t.Errorf("OFFICE = %+v", o)
	}
	a := got["ADOBE"]
	if a.Assigned != 2 || a.Installed != 2 || a.Unassigned != 1 || a.Used != 2 || a.Unused != 2 || a.SavingPerYear != 240 ||
		a.Status != "expiring" || a.DaysLeft == nil || *a.DaysLeft != 30 {
		t.Errorf("ADOBE = %+v", a)
	}
	old := got["OLD"]
	if old.Used != 0 || old.Unused != 1 || old.Status != "expired" || *old.DaysLeft != -326 {
		t.Errorf("OLD = %+v (days %d)", old, *old.DaysLeft)
	}
	if rep.Totals.Over != 2 || rep.Totals.OverDeployed != 1 || rep.Totals.Expired != 1 || rep.Totals.Expiring != 1 ||
		rep.Totals.SavingPerYear["GBP"] != 240 || rep.Totals.Seats != 8 {
		t.Errorf("totals = %+v", rep.Totals)
	}
	rules := map[string]int{}
	for _, f := range rep.Findings {
		rules[f.Rule]++
		if f.Pos.File == "" {
			t.Errorf("finding without a file: %+v", f)
		}
	}
	if rules[RuleOver] != 1 || rules[RuleExpired] != 1 || rules[RuleExpiring] != 1 || rules[RuleUnassigned] != 2 {
		t.Errorf("findings by rule = %v", rules)
	}
}

func TestBadPatternIsAFinding(t *testing.T) {
	e := estate(&record.Licence{ID: "X", Product: "X", Seats: 1, Packages: []string{"[abc"}})
	rep := Analyse(e, []record.Facts{facts("1", "", "abc")}, Options{Now: time.Now()})
	if len(rep.Findings) != 1 || rep.Findings[0].Rule != RulePattern {
		t.Fatalf("findings = %+v", rep.Findings)
	}
	if rep.Licences[0].Installed != 0 {
		t.Errorf("a bad pattern matched: %+v", rep.Licences[0])
	}
}

func TestNoFactsCountsAssignments(t *testing.T) {
	e := estate(&record.Licence{ID: "X", Product: "X", Seats: 1, Packages: []string{"x*"}},
		asset("A", "deployed", "", "", "", "X"), asset("B", "in-stock", "", "", "", "X"))
	rep := Analyse(e, nil, Options{Now: time.Now()})
	if u := rep.Licences[0]; u.Used != 2 || u.Over != 1 || u.Installed != 0 {
		t.Errorf("usage = %+v", u)
	}
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		p, n string
		ok   bool
	}{{"Microsoft Office*", "microsoft office 2021", true}, {"jetbrains-*", "JetBrains-Toolbox", true},
		{"IntelliJ*", "PyCharm", false}, {"[", "[", false}} {
		if got := Matches(c.p, c.n); got != c.ok {
			t.Errorf("Matches(%q, %q) = %v", c.p, c.n, got)
		}
	}
}

// A per-user licence follows the holder: a monitor attached to a's laptop
// is a's seat; a kiosk held by its location takes a seat of its own.
func TestPerUserFollowsHolder(t *testing.T) {
	e := estate(
		&record.Licence{ID: "U", Product: "P", Metric: "user", Seats: 10},
		asset("LT-1", "deployed", "S1", "lt-1", "a@x.org", "U"),
		&record.Asset{ID: "MN-1", Class: "monitor", Status: "deployed", AttachedTo: "LT-1", Licences: []string{"U"}},
		&record.Asset{ID: "KI-1", Class: "other", Status: "deployed", Location: "LON", HeldBy: "location", Licences: []string{"U"}},
		&record.Asset{ID: "KI-2", Class: "other", Status: "deployed", Location: "LON", HeldBy: "location", Licences: []string{"U"}},
	)
	rep := Analyse(e, nil, Options{Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if got := rep.Licences[0].Used; got != 3 {
		t.Errorf("used = %d, want 3 (a@x, and each kiosk)", got)
	}
}
