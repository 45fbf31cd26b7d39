package forecast

import (
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

func estate(set *record.Settings, assets ...*record.Asset) *record.Estate {
	var rs []*record.Record
	for _, a := range assets {
		rs = append(rs, &record.Record{Kind: record.KindAsset, ID: a.ID, Asset: a})
	}
	e := record.NewEstate(rs)
	e.Settings = set
	return e
}

// TestForecast checks buckets against hand-computed truth, as of
// 2026-11-23 with a 6-month horizon (2026-11 .. 2027-04):
//
//	L1 laptop bought 2022-12-10, default 4 years -> refresh 2026-12-10 (Dec,
//	   Q4) at its purchase cost 1000 GBP; warranty 2027-02-01 (Feb, 2027-Q1);
//	   audited 2026-03-01 + 365 days = 2027-03-01 (Mar, Q1).
//	D1 desktop bought 2020-01-01, estate.yaml says 5 years at 900 -> due
//	   2025-01-01: overdue, 900 (policy). Warranty 2025-01-01: overdue.
//	   Never audited: overdue.
//	P1 phone, no purchase, warranty 2027-06-01 (beyond): no item; audited
//	   2026-11-01 -> due 2027-11-01 (beyond).
//	R1 retired: ignored.
func TestForecast(t *testing.T) {
	set := &record.Settings{Refresh: map[string]record.RefreshPolicy{"desktop": {Years: 5, Cost: 900}}}
	e := estate(set,
		&record.Asset{ID: "L1", Class: "laptop", Status: "deployed", LastAudit: "2026-03-01",
			Purchase: &record.Purchase{Date: "2022-12-10", Cost: 1000, Currency: "GBP"}, Warranty: &record.Warranty{Expires: "2027-02-01"}},
		&record.Asset{ID: "D1", Class: "desktop", Status: "in-stock",
			Purchase: &record.Purchase{Date: "2020-01-01", Cost: 700, Currency: "GBP"}, Warranty: &record.Warranty{Expires: "2025-01-01"}},
		&record.Asset{ID: "P1", Class: "phone", Status: "deployed", LastAudit: "2026-11-01", Warranty: &record.Warranty{Expires: "2027-06-01"}},
		&record.Asset{ID: "R1", Class: "laptop", Status: "retired", Purchase: &record.Purchase{Date: "2010-01-01"}},
	)
	rep := Forecast(e, Options{Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Months: 6})
	if rep.Until != "2027-05-01" || len(rep.ByMonth) != 6 || len(rep.ByQuarter) != 3 {
		t.Fatalf("until %s, %d months, %d quarters", rep.Until, len(rep.ByMonth), len(rep.ByQuarter))
	}
	if rep.Active != 3 || rep.NoDate != 1 || rep.NoWarr != 0 || rep.Never != 1 || rep.AuditSource != "default" {
		t.Errorf("report counts = %+v", rep)
	}
	o := rep.Overdue
	if o.Refresh != 1 || o.Warranty != 1 || o.Audit != 1 || o.RefreshCost["GBP"] != 900 {
		t.Errorf("overdue = %+v", o)
	}
	m := map[string]Bucket{}
	for _, b := range append(rep.ByMonth, rep.ByQuarter...) {
		m[b.Period] = b
	}
	if b := m["2026-12"]; b.Refresh != 1 || b.RefreshCost["GBP"] != 1000 {
		t.Errorf("2026-12 = %+v", b)
	}
	if b := m["2026-Q4"]; b.Refresh != 1 || b.Warranty != 0 {
		t.Errorf("2026-Q4 = %+v", b)
	}
	if b := m["2027-02"]; b.Warranty != 1 {
		t.Errorf("2027-02 = %+v", b)
	}
	if b := m["2027-Q1"]; b.Warranty != 1 || b.Audit != 1 || b.Refresh != 0 {
		t.Errorf("2027-Q1 = %+v", b)
	}
	if len(rep.Items) != 6 {
		t.Errorf("items = %+v", rep.Items)
	}
	pol := map[string]Policy{}
	for _, p := range rep.Policies {
		pol[p.Class] = p
	}
	if pol["laptop"].Source != "default" || pol["laptop"].Years != 4 || pol["desktop"].Source != "estate.yaml" {
		t.Errorf("policies = %+v", rep.Policies)
	}
	for _, it := range rep.Items {
		if it.Asset == "D1" && it.Kind == "refresh" && it.CostSource != "policy" {
			t.Errorf("D1 cost source = %s", it.CostSource)
		}
		if it.Asset == "L1" && it.Kind == "refresh" && (it.CostSource != "purchase" || it.Due != "2026-12-10") {
			t.Errorf("L1 refresh = %+v", it)
		}
	}
}

func TestParseHorizon(t *testing.T) {
	for in, want := range map[string]int{"12m": 12, "4q": 12, "2y": 24, "18": 18, "1m": 1} {
		if got, err := ParseHorizon(in); err != nil || got != want {
			t.Errorf("ParseHorizon(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "m", "0m", "x", "12w", "121m", "-3m", "1.5y", "4611686018427387905y"} {
		if _, err := ParseHorizon(bad); err == nil {
			t.Errorf("ParseHorizon(%q) did not fail", bad)
		}
	}
}

// FuzzParseHorizon: a horizon read is 1 to 120 months, never a panic.
func FuzzParseHorizon(f *testing.F) {
	for _, s := range []string{"12m", "4q", "2y", "18", "", "m", "99999999999999999999y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseHorizon(s)
		if err == nil && (n < 1 || n > 120) {
			t.Fatalf("ParseHorizon(%q) = %d", s, n)
		}
	})
}
