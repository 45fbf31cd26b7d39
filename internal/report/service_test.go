package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

func inc(seq int64, kind ledger.Kind, at string, issue int, sev, due string, records []string, controls ...string) *ledger.Entry {
	return &ledger.Entry{Seq: seq, Kind: kind, Time: at, Incident: &ledger.Incident{Issue: issue, Fingerprint: "device/" + records[0],
		Records: records, Controls: controls, Severity: sev, Due: due}}
}

func TestService(t *testing.T) {
	est := record.NewEstate([]*record.Record{
		{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/LT-1.yaml", Asset: &record.Asset{ID: "LT-1", Owner: "a@example.org", Baseline: "mac"}},
		{Kind: record.KindAsset, ID: "LT-2", Path: "inventory/laptop/LT-2.yaml", Asset: &record.Asset{ID: "LT-2", Owner: "@org/sales"}},
		{Kind: record.KindAsset, ID: "LT-3", Path: "inventory/laptop/LT-3.yaml", Asset: &record.Asset{ID: "LT-3"}},
		{Kind: record.KindBaseline, ID: "mac", Path: "policies/baselines/mac.yaml", Baseline: &record.Baseline{Name: "mac", Owner: "@org/euc"}},
		{Kind: record.KindProblem, ID: "PRB-2026-0001", Path: "problems/PRB-2026-0001.yaml", Problem: &record.Problem{ID: "PRB-2026-0001", Title: "A <b>", Status: "known-error",
			Match: record.ProblemMatch{Control: "fw"}, Incidents: []int{1, 2}}},
		{Kind: record.KindProblem, ID: "PRB-2026-0002", Path: "problems/PRB-2026-0002.yaml", Problem: &record.Problem{ID: "PRB-2026-0002", Title: "gone", Status: "resolved",
			Match: record.ProblemMatch{Control: "fw"}, Incidents: []int{1, 2, 3}}},
		{Kind: record.KindProblem, ID: "PRB-2026-0003", Path: "problems/PRB-2026-0003.yaml", Problem: &record.Problem{ID: "PRB-2026-0003", Title: "new", Status: "open",
			Match: record.ProblemMatch{Control: "enc"}}},
	})
	entries := []*ledger.Entry{
		inc(1, ledger.KindIncidentOpened, "2026-11-01T00:00:00Z", 1, "high", "2026-11-15", []string{"LT-1"}, "fw", "enc"),
		inc(2, ledger.KindIncidentOpened, "2026-11-01T00:00:00Z", 2, "critical", "2026-11-04", []string{"LT-2"}, "fw"),
		inc(3, ledger.KindIncidentClosed, "2026-11-03T00:00:00Z", 1, "", "", []string{"LT-1"}),                           // 48 h
		inc(4, ledger.KindIncidentClosed, "2026-11-02T00:00:00Z", 2, "", "", []string{"LT-2"}),                           // 24 h
		inc(5, ledger.KindIncidentReopened, "2026-11-10T00:00:00Z", 2, "critical", "2026-11-13", []string{"LT-2"}, "fw"), // breached
		inc(6, ledger.KindIncidentOpened, "2026-11-19T00:00:00Z", 3, "low", "", []string{"LT-3"}, "audit/serial"),        // open, no SLA
		inc(7, ledger.KindIncidentOpened, "2026-11-25T00:00:00Z", 4, "high", "2026-11-26", []string{"LT-3"}, "enc"),      // after the report
		{Seq: 8, Kind: ledger.KindAudit, Time: "2026-11-11T00:00:00Z", Audit: &ledger.Audit{Digest: "sha256:1"}},
	}
	r := Build(est, entries, Options{AsOf: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)})
	s := r.Service
	if s.Opened != 3 || s.Open != 2 || s.Resolved != 2 || s.Reopened != 1 || s.RepeatRate < 33.3 || s.RepeatRate > 33.4 {
		t.Errorf("counts %+v", s)
	}
	if s.OpenBySeverity["critical"] != 1 || s.OpenBySeverity["low"] != 1 || s.OpenByAge["8-30d"] != 1 || s.OpenByAge["0-7d"] != 1 {
		t.Errorf("open %v %v", s.OpenBySeverity, s.OpenByAge)
	}
	if len(s.Breaches) != 1 || s.Breaches[0].Issue != 2 || s.Breaches[0].DaysOver != 7 {
		t.Errorf("breaches %+v", s.Breaches)
	}
	ctl, _ := json.Marshal(s.MTTRByControl)
	team, _ := json.Marshal(s.MTTRByTeam)
	if string(ctl) != `[{"key":"enc","resolved":1,"mean_hours":48},{"key":"fw","resolved":2,"mean_hours":36}]` ||
		string(team) != `[{"key":"@org/euc","resolved":1,"mean_hours":48},{"key":"@org/sales","resolved":1,"mean_hours":24}]` {
		t.Errorf("mttr %s %s", ctl, team)
	}
	if len(s.TopProblems) != 2 || s.TopProblems[0].ID != "PRB-2026-0001" || s.TopProblems[1].ID != "PRB-2026-0003" {
		t.Errorf("problems %+v", s.TopProblems)
	}
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, f, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"PRB-2026-0001", "2026-11-13"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", f, want)
			}
		}
		if strings.Contains(out, "A <b>") && f != "csv" && f != "text" {
			t.Errorf("%s: a problem's title not escaped", f)
		}
	}
}
