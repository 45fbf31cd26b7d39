package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// graceEstate: one macOS baseline whose minimum takes effect on
// 2026-12-15 with 14 days of grace, and three laptops below it.
func graceEstate() *record.Estate {
	b := &record.Baseline{Name: "mac", Version: "3.0.0", Effective: "2026-12-15", Grace: "14d", Controls: []record.Control{
		{ID: "MAC-OS", Title: "macOS is current", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 15"}},
		{ID: "MAC-ENC", Title: "Disk is encrypted", Severity: "critical", Effective: "2020-01-01", Grace: "0d",
			Check: record.Check{Fact: "security.disk_encryption", Equals: true}},
	}}
	recs := []*record.Record{{Kind: record.KindBaseline, ID: "mac", Path: "policies/baselines/mac.yaml", Baseline: b}}
	for _, id := range []string{"LT-1", "LT-2", "LT-3"} {
		recs = append(recs, &record.Record{Kind: record.KindAsset, ID: id, Path: "inventory/laptop/" + id + ".yaml",
			Asset: &record.Asset{ID: id, Class: "laptop", Status: "deployed", Serial: "S" + id, Baseline: "mac"}})
	}
	return record.NewEstate(recs)
}

func graceDevices(at time.Time) []record.Device {
	var out []record.Device
	for _, id := range []string{"LT-1", "LT-2", "LT-3"} {
		f := goodFacts("S"+id, "")
		f.Users = nil
		f.CollectedAt = at.Add(-time.Hour).Format(time.RFC3339)
		out = append(out, record.Device{Source: "facts/" + id + ".json", Facts: f})
	}
	return out
}

// TestEffectiveAndGrace judges the same failing devices on a fixed clock
// before the effective date (upcoming, information only), within the
// grace (in-grace, from the first failure the ledger knows, never before
// the effective date) and after it (breached).
func TestEffectiveAndGrace(t *testing.T) {
	e := graceEstate()
	since := map[string]time.Time{"LT-2": time.Date(2026, 12, 20, 6, 0, 0, 0, time.UTC), // failing since after the date
		"LT-3": time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)} // failing long before: the grace runs from the effective date
	opts := func(now time.Time) Options {
		return Options{Now: now, Partial: true, FailingSince: func(asset, control string) (time.Time, bool) {
			t, ok := since[asset]
			return t, ok && control == "MAC-OS"
		}}
	}
	states := func(now time.Time) (map[string]record.Finding, Summary) {
		res := Run(e, graceDevices(now), opts(now))
		m := map[string]record.Finding{}
		for _, f := range res.Findings {
			if f.Control == "MAC-OS" {
				m[f.Record] = f
			}
			if f.Control == "MAC-ENC" {
				t.Errorf("MAC-ENC passes, got %v", f)
			}
		}
		return m, res.Summary
	}

	before, sum := states(time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC))
	for _, id := range []string{"LT-1", "LT-2", "LT-3"} {
		f := before[id]
		if f.Rule != RuleUpcoming || f.Severity != record.SevInfo || f.State != record.StateUpcoming ||
			!strings.Contains(f.Message, "fails from 2026-12-15") || f.GraceUntil != "2026-12-29" {
			t.Errorf("before the date, %s: %+v", id, f)
		}
	}
	if sum.NonCompliant != 0 || sum.Compliant != 3 {
		t.Errorf("before the date: %d non-compliant, %d compliant; want 0 and 3", sum.NonCompliant, sum.Compliant)
	}
	if c := sum.Baselines[0].Controls[0]; c.Upcoming != 3 || c.Fail != 0 {
		t.Errorf("before the date, control summary %+v", c)
	}

	during, sum := states(time.Date(2026, 12, 22, 12, 0, 0, 0, time.UTC))
	want := map[string][3]string{
		"LT-1": {record.StateInGrace, "2026-12-22", "2027-01-05"}, // first failure: this audit
		"LT-2": {record.StateInGrace, "2026-12-20", "2027-01-03"},
		"LT-3": {record.StateInGrace, "2026-11-01", "2026-12-29"},
	}
	for id, w := range want {
		f := during[id]
		if f.Rule != RuleControl || f.State != w[0] || f.FailingSince != w[1] || f.GraceUntil != w[2] || f.Effective != "2026-12-15" {
			t.Errorf("in grace, %s: state %q since %q until %q, want %v", id, f.State, f.FailingSince, f.GraceUntil, w)
		}
	}
	if *during["LT-3"].AgeDays != 51 {
		t.Errorf("LT-3 age %d days, want 51", *during["LT-3"].AgeDays)
	}
	if sum.NonCompliant != 3 || sum.Baselines[0].Controls[0].InGrace != 3 {
		t.Errorf("in grace: summary %+v", sum.Baselines[0].Controls[0])
	}

	after, sum := states(time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC))
	if f := after["LT-3"]; f.State != record.StateBreached || strings.Contains(f.Message, "grace") {
		t.Errorf("after the grace, LT-3: %+v", f)
	}
	if f := after["LT-2"]; f.State != record.StateInGrace {
		t.Errorf("LT-2 is in grace until 2027-01-03: %+v", f)
	}
	if c := sum.Baselines[0].Controls[0]; c.Fail != 3 || c.InGrace != 2 {
		t.Errorf("after: control summary %+v", c)
	}
}
