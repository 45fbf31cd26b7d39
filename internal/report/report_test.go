package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

func estate() *record.Estate {
	recs := []*record.Record{
		{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/LT-1.yaml", Asset: &record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Location: "LON", Baseline: "euc-macos",
			Owner: "=HYPERLINK(\"x\")", Exemptions: []record.Exemption{{Control: "C-1", Expires: "2026-12-01", Change: "CR-1"}, {Control: "C-2", Expires: "2027-06-01"}, {Control: "C-3", Expires: "2026-11-01"}}}},
		{Kind: record.KindAsset, ID: "PH-1", Path: "inventory/phone/PH-1.yaml", Asset: &record.Asset{ID: "PH-1", Class: "phone", Status: "in-stock"}},
		{Kind: record.KindChangePolicy, ID: "change-control", Path: "policies/change-control.yaml", ChangePolicy: &record.ChangePolicy{
			Approvals: []record.ApprovalRule{{Name: "two", Count: 2, When: &record.Selector{Type: []string{"emergency"}}}}, Emergency: &record.EmergencyPolicy{ReviewWithinDays: 3}}},
	}
	return record.NewEstate(recs)
}

func TestBuild(t *testing.T) {
	entries := []*ledger.Entry{
		{Seq: 1, Kind: ledger.KindChangeImplemented, Time: "2026-10-05T10:00:00Z", Type: "normal", Risk: "low", Commits: &ledger.Commits{Merge: "a"}},
		{Seq: 2, Kind: ledger.KindChangeImplemented, Time: "2026-11-10T10:00:00Z", Type: "emergency", Risk: "high", Commits: &ledger.Commits{Merge: "b"},
			Approvers: []ledger.Approval{{By: "x", At: "2026-11-10T11:00:00Z"}}},
		{Seq: 3, Kind: ledger.KindAudit, Time: "2026-11-11T00:00:00Z", Audit: &ledger.Audit{Digest: "sha256:1"}},
		{Seq: 4, Kind: ledger.KindChangeVerified, Time: "2026-11-11T00:00:00Z", Verifies: []int64{1}},
		{Seq: 5, Kind: ledger.KindChangeImplemented, Time: "2026-12-01T10:00:00Z", Type: "normal", Commits: &ledger.Commits{Merge: "c"}}, // after the report
	}
	r := Build(estate(), entries, Options{AsOf: time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC), Revision: "abc"})
	inv := r.Inventory
	if inv.Total != 3 || inv.ByClass["laptop"] != 1 || inv.ByStatus["in-stock"] != 1 || inv.ByLocation["(none)"] != 1 || inv.ByBaseline["euc-macos"] != 1 {
		t.Errorf("inventory: %+v", inv)
	}
	acc := r.Changes
	if acc.LedgerEntries != 4 || acc.Audits != 1 || len(acc.Periods) != 2 {
		t.Fatalf("accounting: %+v", acc)
	}
	if p := acc.Periods[0]; p.Period != "2026-10" || p.ByOutcome[OutcomeVerified] != 1 {
		t.Errorf("October: %+v", p)
	}
	if p := acc.Periods[1]; p.ByType["emergency"] != 1 || p.ByOutcome[OutcomeAwaiting] != 1 {
		t.Errorf("November: %+v", p)
	}
	if len(acc.Unverified) != 1 || acc.Unverified[0].Entry != 2 {
		t.Errorf("unverified: %+v", acc.Unverified)
	}
	if len(acc.Emergency) != 1 || !acc.Emergency[0].Overdue || acc.Emergency[0].Due != "2026-11-13T10:00:00Z" {
		t.Errorf("emergency: %+v", acc.Emergency)
	}
	if len(acc.Exemptions) != 2 || acc.Exemptions[0].Control != "C-3" || acc.Exemptions[0].Days != -19 || acc.Exemptions[1].Days != 11 {
		t.Errorf("exemptions: %+v", acc.Exemptions)
	}
	q := Build(estate(), entries, Options{AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Period: "quarter"})
	if len(q.Changes.Periods) != 1 || q.Changes.Periods[0].Period != "2026-Q4" {
		t.Errorf("quarters: %+v", q.Changes.Periods)
	}
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, f, r); err != nil || b.Len() == 0 {
			t.Errorf("%s: %v", f, err)
		}
		if f == "csv" {
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				for _, c := range row {
					if strings.HasPrefix(c, "=") {
						t.Errorf("a formula reached the CSV: %q", c)
					}
				}
			}
		}
	}
	if err := Write(&bytes.Buffer{}, "pdf", r); err == nil {
		t.Error("pdf was accepted")
	}
}

// TestWriteTextIsTerminalSafe: record values and ledger titles are
// untrusted; the text and markdown reports print them with no control
// character (no terminal escape, no line of its own).
func TestWriteTextIsTerminalSafe(t *testing.T) {
	recs := []*record.Record{{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/LT-1.yaml",
		Asset: &record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Location: "LON\x1b]0;owned\x07", Owner: "a\x1b[2Jb\nc"}}}
	entries := []*ledger.Entry{{Seq: 1, Kind: ledger.KindChangeImplemented, Time: "2026-11-10T10:00:00Z", Type: "normal", Risk: "low",
		Title: "fix\x1b[31m it\r\nnow", Change: "CR-1", Commits: &ledger.Commits{Merge: "a"}}}
	r := Build(record.NewEstate(recs), entries, Options{AsOf: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	if err := Write(&b, "text", r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("the text report carries control characters:\n%q", out)
	}
	for _, want := range []string{`a\u001b[2Jb\u000ac`, `fix\u001b[31m it\u000d\u000anow`, `LON\u001b]0;owned\u0007`} {
		if !strings.Contains(out, want) {
			t.Errorf("the text report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := Write(&b, "markdown", r); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.ContainsAny(out, "\x1b\x07\r") || !strings.Contains(out, `fix\\u001b\[31m it\\u000d\\u000anow`) {
		t.Errorf("the markdown report carries control characters:\n%q", out)
	}
}
