package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fptr(f float64) *float64 { return &f }
func bptr(b bool) *bool       { return &b }
func iptr(i int) *int         { return &i }

// testEstate is a small estate: a macOS baseline extending a common one,
// and assets of every kind the audit distinguishes.
func testEstate() *record.Estate {
	common := &record.Baseline{Name: "common", Version: "1.0.0", Owner: "@it/euc", Controls: []record.Control{
		{ID: "COM-ENC", Title: "Disk is encrypted", Severity: "critical", Check: record.Check{Fact: "security.disk_encryption", Equals: true}},
		{ID: "COM-LOCK", Title: "Screen locks", Severity: "medium", Check: record.Check{Fact: "security.screen_lock_seconds", Max: fptr(600)}},
		{ID: "COM-FRESH", Title: "Facts are fresh", Severity: "low", Check: record.Check{Fact: "collected_at", MaxAge: "168h"}},
	}}
	mac := &record.Baseline{Name: "mac", Version: "2.3.0", Extends: "common", AppliesTo: &record.AppliesTo{OS: "macos"}, Controls: []record.Control{
		{ID: "MAC-OS", Title: "macOS is patched", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 14.5"}},
		{ID: "MAC-CHROME", Title: "Chrome is current", Severity: "medium", Check: record.Check{Package: "Google Chrome", Version: ">= 120"}},
		{ID: "MAC-AGENT", Title: "Agent installed", Severity: "critical", Check: record.Check{Package: "Falcon", Present: true}},
		{ID: "MAC-TORRENT", Title: "No BitTorrent", Severity: "high", Check: record.Check{Package: "uTorrent", Absent: true}},
		{ID: "MAC-NAME", Title: "Hostname rule", Severity: "low", Check: record.Check{Fact: "identity.hostname", Matches: "^lt-[0-9]+$"}},
		{ID: "MAC-ARCH", Title: "Apple silicon", Severity: "info", Check: record.Check{Fact: "os.arch", OneOf: []any{"arm64", "aarch64"}}},
	}}
	asset := func(id, serial, host, status string, mut func(a *record.Asset)) *record.Record {
		a := &record.Asset{APIVersion: "estate/v1", Kind: "Asset", ID: id, Class: "laptop", Status: status, Serial: serial,
			Hostname: host, Manufacturer: "Apple", Model: "MacBook Pro 14", Owner: "jane.doe@example.org", Location: "LON", Baseline: "mac"}
		if mut != nil {
			mut(a)
		}
		return &record.Record{Kind: record.KindAsset, ID: id, Path: "inventory/laptop/" + id + ".yaml", Asset: a}
	}
	recs := []*record.Record{
		{Kind: record.KindBaseline, ID: "common", Path: "policies/baselines/common.yaml", Baseline: common},
		{Kind: record.KindBaseline, ID: "mac", Path: "policies/baselines/mac.yaml", Baseline: mac},
		{Kind: record.KindLocation, ID: "LON", Path: "inventory/locations/LON.yaml", Location: &record.Location{ID: "LON", Name: "London"}},
		asset("LT-1", "C02AAA", "lt-1", "deployed", nil), // compliant
		asset("LT-2", "C02BBB", "lt-2", "deployed", nil), // fails several
		asset("LT-3", "C02CCC", "lt-3", "deployed", func(a *record.Asset) { // exempt from Chrome, expired from the agent
			a.Exemptions = []record.Exemption{{Control: "MAC-CHROME", Reason: "plug-in", Change: "CR-1", Expires: "2026-12-31"},
				{Control: "MAC-AGENT", Reason: "pilot", Change: "CR-2", Expires: "2026-11-01"}}
		}),
		asset("LT-4", "C02DDD", "lt-4", "deployed", nil), // never seen
		asset("LT-5", "C02EEE", "lt-5", "stolen", nil),   // seen while stolen
		asset("LT-6", "C02FFF", "lt-6", "deployed", nil), // seen by hostname with another serial
		asset("LT-7", "C02GGG", "lt-7", "deployed", nil), // last seen long ago
		asset("LT-8", "C02HHH", "lt-8", "deployed", nil), // facts unknown, bad version
		asset("LT-9", "C02III", "lt-9", "in-stock", func(a *record.Asset) { a.Baseline = "" }),
	}
	return record.NewEstate(recs)
}

func goodFacts(serial, host string) *record.Facts {
	return &record.Facts{APIVersion: "estate/v1", Kind: "Facts", CollectedAt: "2026-11-22T09:00:00Z",
		Collector: record.Collector{Name: "ssh"},
		Identity:  record.Identity{Serial: serial, Hostname: host, Model: "MacBookPro18,3 MacBook Pro 14", Manufacturer: "Apple Inc."},
		OS:        &record.OSFacts{Family: "macos", Name: "macOS", Version: "14.6.1", Build: "23G93", Arch: "arm64"},
		Security:  &record.Security{DiskEncryption: bptr(true), ScreenLockSeconds: iptr(300)},
		Packages:  []record.Package{{Name: "Google Chrome", Version: "131.0.6778.86"}, {Name: "Falcon", Version: "7.10"}},
		Users:     []record.User{{Name: "jane.doe", UID: iptr(501), LoggedIn: true}},
	}
}

func byRule(fs []record.Finding) map[string][]record.Finding {
	m := map[string][]record.Finding{}
	for _, f := range fs {
		key := f.Rule + " " + f.Record
		if f.Control != "" {
			key += " " + f.Control
		}
		m[key] = append(m[key], f)
	}
	return m
}

func TestAudit(t *testing.T) {
	e := testEstate()
	bad := goodFacts("C02BBB", "LT-2.corp.example.org")
	bad.OS.Version = "13.6.7"
	bad.Security.DiskEncryption = bptr(false)
	bad.Security.ScreenLockSeconds = iptr(1800)
	bad.Packages = []record.Package{{Name: "google chrome", Version: "118.0.5993.117"}, {Name: "uTorrent", Version: "3.6"}}
	bad.Users = []record.User{{Name: "root", UID: iptr(0), LoggedIn: true}, {Name: "mallory", UID: iptr(502), LoggedIn: true}}
	exempt := goodFacts("C02CCC", "lt-3")
	exempt.Packages = []record.Package{{Name: "Google Chrome", Version: "100.0"}}
	swapped := goodFacts("XYZ999", "lt-6")
	old := goodFacts("C02GGG", "lt-7")
	old.CollectedAt = "2026-09-01T00:00:00Z"
	weird := goodFacts("C02HHH", "lt-8")
	weird.OS.Version = "Sonoma"
	weird.Security = nil
	weird.Packages = nil
	devices := []record.Device{
		{Source: "facts/lt-1.json", Facts: goodFacts("C02AAA", "lt-1")},
		{Source: "facts/lt-2.json", Facts: bad},
		{Source: "facts/lt-3.json", Facts: exempt},
		{Source: "facts/lt-5.json", Facts: goodFacts("C02EEE", "lt-5")},
		{Source: "facts/lt-6.json", Facts: swapped},
		{Source: "facts/lt-7.json", Facts: old},
		{Source: "facts/lt-8.json", Facts: weird},
		{Source: "facts/stranger.json", Facts: goodFacts("NOTOURS1", "someones-mac")},
		{Source: "facts/lt-1-old.json", Facts: func() *record.Facts {
			f := goodFacts("C02AAA", "lt-1")
			f.CollectedAt = "2026-11-01T00:00:00Z"
			return f
		}()},
	}
	res := Run(e, devices, Options{Now: now, MissingAfter: 30 * 24 * time.Hour, Workers: 3})
	got := byRule(res.Findings)
	want := []string{
		"audit/control LT-2 COM-ENC", "audit/control LT-2 COM-LOCK", "audit/control LT-2 MAC-OS", "audit/control LT-2 MAC-CHROME",
		"audit/control LT-2 MAC-AGENT", "audit/control LT-2 MAC-TORRENT", "audit/control LT-2 MAC-NAME", "audit/owner LT-2",
		"audit/control LT-3 MAC-AGENT",
		"audit/missing LT-4",
		"audit/status LT-5",
		"audit/serial LT-6",
		"audit/missing LT-7", "audit/control LT-7 COM-FRESH",
		"audit/bad-fact LT-8 MAC-OS", "audit/unverified LT-8 COM-ENC", "audit/unverified LT-8 COM-LOCK",
		"audit/unverified LT-8 MAC-CHROME", "audit/unverified LT-8 MAC-AGENT", "audit/unverified LT-8 MAC-TORRENT",
		"audit/unregistered ",
		"audit/duplicate LT-1",
	}
	for _, k := range want {
		if len(got[k]) != 1 {
			t.Errorf("want one %q finding, got %d", k, len(got[k]))
		}
		delete(got, k)
	}
	for k, fs := range got {
		t.Errorf("unexpected finding %q: %s", k, fs[0].Message)
	}

	// A failing control carries everything an auditor needs.
	f := byRule(res.Findings)["audit/control LT-2 MAC-OS"][0]
	if f.Severity != record.SevHigh || f.Expected != "version >= 14.5" || f.Observed != "13.6.7" || f.Owner != "jane.doe@example.org" ||
		!strings.Contains(f.Evidence, "ssh collector at 2026-11-22T09:00:00Z") || f.Pos.File != "inventory/laptop/LT-2.yaml" {
		t.Errorf("MAC-OS finding = %+v", f)
	}
	if f := byRule(res.Findings)["audit/control LT-3 MAC-AGENT"][0]; !strings.Contains(f.Message, "exemption expired on 2026-11-01") {
		t.Errorf("expired exemption not said: %s", f.Message)
	}
	if f := byRule(res.Findings)["audit/bad-fact LT-8 MAC-OS"][0]; !strings.Contains(f.Message, `"Sonoma" is not a version`) {
		t.Errorf("bad version message: %s", f.Message)
	}
	if f := byRule(res.Findings)["audit/status LT-5"][0]; f.Severity != record.SevCritical {
		t.Errorf("a stolen device seen is critical, got %s", f.Severity)
	}

	s := res.Summary
	if s.Devices != 9 || s.Seen != 7 || s.Unregistered != 1 || s.Missing != 2 || s.Assets != 7 {
		t.Errorf("summary counts = %+v", s)
	}
	// Seen with the mac baseline: LT-1, 2, 3, 5, 6, 7, 8.
	if len(s.Baselines) != 1 || s.Baselines[0].Devices != 7 || s.Baselines[0].Compliant != 3 || s.Baselines[0].NonCompliant != 3 || s.Baselines[0].Unverified != 1 {
		t.Errorf("baseline summary = %+v", s.Baselines)
	}
	ctl := map[string]ControlSummary{}
	for _, c := range s.Baselines[0].Controls {
		ctl[c.ID] = c
	}
	if c := ctl["MAC-CHROME"]; c.Exempt != 1 || c.Fail != 1 || c.Unknown != 1 || c.Pass != 4 {
		t.Errorf("MAC-CHROME = %+v", c)
	}
	if len(ctl) != 9 {
		t.Errorf("want 9 effective controls (6 + 3 inherited), got %d", len(ctl))
	}
	if len(s.Locations) != 1 || s.Locations[0].ID != "LON" || s.Locations[0].Missing != 2 || s.Locations[0].Seen != 7 {
		t.Errorf("location summary = %+v", s.Locations)
	}
}

// The result does not depend on how many workers evaluate it.
func TestAuditDeterministic(t *testing.T) {
	e := testEstate()
	var devs []record.Device
	for i := range 50 {
		f := goodFacts(fmt.Sprintf("C02%03d", i), fmt.Sprintf("x-%d", i))
		devs = append(devs, record.Device{Source: fmt.Sprintf("facts/%d.json", i), Facts: f})
	}
	devs = append(devs, record.Device{Source: "facts/lt-2.json", Facts: goodFacts("C02BBB", "lt-2")})
	a := Run(e, devs, Options{Now: now, Workers: 1})
	b := Run(e, devs, Options{Now: now, Workers: 4})
	if fmt.Sprint(a.Findings) != fmt.Sprint(b.Findings) || fmt.Sprint(a.Summary) != fmt.Sprint(b.Summary) {
		t.Error("1 and 4 workers disagree")
	}
}

// A control that cannot be evaluated is said once, on the baseline, and
// the other controls still run.
func TestAuditBrokenControl(t *testing.T) {
	e := testEstate()
	e.Baselines["mac"].Controls = append(e.Baselines["mac"].Controls,
		record.Control{ID: "MAC-BAD", Title: "Typo", Severity: "high", Check: record.Check{Fact: "os.verison", Equals: "14"}})
	res := Run(e, []record.Device{{Source: "a", Facts: goodFacts("C02AAA", "lt-1")}, {Source: "b", Facts: goodFacts("C02BBB", "lt-2")}}, Options{Now: now, Partial: true})
	n := 0
	for _, f := range res.Findings {
		if f.Rule == RuleBaseline {
			n++
			if f.Control != "MAC-BAD" || !strings.Contains(f.Message, `fact "os.verison" is not one estate collects`) {
				t.Errorf("finding = %+v", f)
			}
		}
	}
	if n != 1 || res.Summary.Compliant != 2 {
		t.Errorf("want 1 baseline finding and 2 compliant devices, got %d and %+v", n, res.Summary)
	}
}

// Nothing a caller passes makes the audit panic: no facts, no clock, an
// empty estate.
func TestAuditOddInput(t *testing.T) {
	res := Run(record.NewEstate(nil), []record.Device{{Source: "x"}, {Source: "y", Facts: &record.Facts{}}}, Options{})
	if res.Summary.Unregistered != 2 {
		t.Errorf("summary = %+v", res.Summary)
	}
	res = Run(testEstate(), nil, Options{Now: now})
	if res.Summary.Missing != 7 || res.Summary.Devices != 0 {
		t.Errorf("summary = %+v", res.Summary)
	}
}

// Where two records share an id, the first (in path order) is the asset,
// as in record.NewEstate: the second's serial matches nothing.
func TestAuditDuplicateIDs(t *testing.T) {
	e := testEstate()
	dup := &record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Serial: "OTHER1", Hostname: "other-1"}
	e = record.NewEstate(append(e.Records, &record.Record{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/zz/LT-1.yaml", Asset: dup}))
	res := Run(e, []record.Device{{Source: "a", Facts: goodFacts("OTHER1", "other-1")}, {Source: "b", Facts: goodFacts("C02AAA", "lt-1")}}, Options{Now: now, Partial: true})
	if res.Summary.Unregistered != 1 || res.Summary.Seen != 1 || res.Summary.Compliant != 1 {
		t.Errorf("summary = %+v", res.Summary)
	}
}
