package audit

import (
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

func TestKnownErrorNamed(t *testing.T) {
	base := testEstate()
	problem := func(id, status string, m record.ProblemMatch) *record.Record {
		return &record.Record{Kind: record.KindProblem, ID: id, Path: "problems/" + id + ".yaml",
			Problem: &record.Problem{ID: id, Title: id, Status: status, Match: m}}
	}
	recs := append(base.Records,
		problem("PRB-2026-0001", "known-error", record.ProblemMatch{Control: "COM-ENC", Model: "MacBookPro18,3 MacBook Pro 14", OS: "13", Location: "LON"}),
		problem("PRB-2026-0002", "open", record.ProblemMatch{Control: "COM-LOCK"}),                               // not known yet
		problem("PRB-2026-0003", "known-error", record.ProblemMatch{Control: "MAC-OS", OS: "14"}),                // another version
		problem("PRB-2026-0004", "known-error", record.ProblemMatch{Control: "MAC-CHROME", Package: "UTORRENT"}), // installed
		problem("PRB-2026-0005", "known-error", record.ProblemMatch{Control: "MAC-NAME", Location: "PAR"}),
	)
	e := record.NewEstate(recs)
	bad := goodFacts("C02BBB", "LT-2.corp.example.org")
	bad.OS.Version = "13.6.7"
	bad.Security.DiskEncryption = bptr(false)
	bad.Security.ScreenLockSeconds = iptr(1800)
	bad.Packages = []record.Package{{Name: "google chrome", Version: "118.0"}, {Name: "uTorrent", Version: "3.6"}}
	res := Run(e, []record.Device{{Source: "facts/lt-2.json", Facts: bad}}, Options{Now: now, MissingAfter: 30 * 24 * time.Hour, Partial: true})
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Rule == RuleControl && f.Record == "LT-2" {
			got[f.Control] = f.Problem
		}
	}
	want := map[string]string{"COM-ENC": "PRB-2026-0001", "COM-LOCK": "", "MAC-OS": "", "MAC-CHROME": "PRB-2026-0004", "MAC-NAME": ""}
	for c, id := range want {
		p, ok := got[c]
		if !ok {
			t.Errorf("%s did not fail", c)
		} else if p != id {
			t.Errorf("%s: problem %q, want %q", c, p, id)
		}
	}
}
