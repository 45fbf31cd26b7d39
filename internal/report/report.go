package report

import (
	"sort"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/record"
)

// Options tune Build.
type Options struct {
	AsOf     time.Time // the report's moment; ledger entries after it are ignored
	Revision string    // the commit the estate was read at ("" for the working tree)
	// Period groups changes: "month" (default) or "quarter".
	Period string
	// ExpiringDays is how far ahead exemptions count as expiring (default 30).
	ExpiringDays int
	// Compliance are the ledger's audits' compliance changes, oldest
	// first; with them the report has a compliance trend per Trend
	// period (day, week or month; default month).
	Compliance []compliance.Audit
	Trend      string
}

// Report is the whole report; its JSON is the stable --format json.
type Report struct {
	AsOf      string     `json:"as_of"`              // RFC 3339
	Revision  string     `json:"revision,omitempty"` // commit
	Inventory Inventory  `json:"inventory"`
	Changes   Accounting `json:"status_accounting"`
	// Trend is compliance over time (nil: the ledger has no compliance
	// changes).
	Trend   *Trend  `json:"compliance_trend,omitempty"`
	Service Service `json:"service"`
}

// Inventory is the estate's records and their counts.
type Inventory struct {
	Total      int            `json:"total"`
	ByKind     map[string]int `json:"by_kind"`
	ByClass    map[string]int `json:"by_class"`
	ByStatus   map[string]int `json:"by_status"`
	ByLocation map[string]int `json:"by_location"`
	ByBaseline map[string]int `json:"by_baseline"`
	Records    []Row          `json:"records"`
}

// Row is one record of the inventory.
type Row struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Class    string `json:"class,omitempty"`
	Status   string `json:"status,omitempty"`
	Location string `json:"location,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Path     string `json:"path"`
}

// Accounting is the status accounting of changes, from the ledger.
type Accounting struct {
	LedgerEntries int           `json:"ledger_entries"`
	Periods       []Period      `json:"periods"`
	Unverified    []ChangeRow   `json:"implemented_not_verified"`
	Emergency     []ChangeRow   `json:"emergency_awaiting_review"`
	Exemptions    []Exemption   `json:"exemptions_expiring"`
	Audits        int           `json:"audits"`
	LastAudit     *ledger.Audit `json:"last_audit,omitempty"`
	LastAuditTime string        `json:"last_audit_time,omitempty"`
}

// Period counts the changes implemented in one month or quarter.
type Period struct {
	Period    string         `json:"period"` // 2026-11 or 2026-Q4
	Total     int            `json:"total"`
	ByType    map[string]int `json:"by_type"`
	ByRisk    map[string]int `json:"by_risk"`
	ByOutcome map[string]int `json:"by_outcome"` // verified, awaiting-verification
}

// ChangeRow is one change of the ledger.
type ChangeRow struct {
	Entry     int64  `json:"entry"`
	Time      string `json:"time"`
	Commit    string `json:"commit"`
	PR        int    `json:"pr,omitempty"`
	Change    string `json:"change,omitempty"`
	Title     string `json:"title,omitempty"`
	Type      string `json:"type,omitempty"`
	Risk      string `json:"risk,omitempty"`
	Author    string `json:"author,omitempty"`
	Approvals int    `json:"approvals"`
	Due       string `json:"review_due,omitempty"` // emergency changes
	Overdue   bool   `json:"overdue,omitempty"`
}

// Exemption is one exemption expiring (or expired) around the report's date.
type Exemption struct {
	Asset   string `json:"asset"`
	Control string `json:"control"`
	Expires string `json:"expires"`
	Days    int    `json:"days"` // from the report's date; negative when expired
	Change  string `json:"change,omitempty"`
	Owner   string `json:"owner,omitempty"`
}

// Outcomes of a change.
const (
	OutcomeVerified = "verified"
	OutcomeAwaiting = "awaiting-verification"
)

// Build makes the report of est (read at o.Revision) and the ledger's
// entries.
func Build(est *record.Estate, entries []*ledger.Entry, o Options) *Report {
	if o.ExpiringDays <= 0 {
		o.ExpiringDays = 30
	}
	r := &Report{AsOf: ledger.FormatTime(o.AsOf), Revision: o.Revision}
	r.Inventory = inventory(est)
	r.Changes = accounting(est, entries, o)
	if len(o.Compliance) > 0 {
		r.Trend = buildTrend(est, o.Compliance, o.AsOf, o.Trend)
	}
	r.Service = ServiceOf(est, entries, o.AsOf)
	return r
}

// ServiceOf is the service view of the ledger's incident entries up to
// asOf (the HTML report's section; Build's Service).
func ServiceOf(est *record.Estate, entries []*ledger.Entry, asOf time.Time) Service {
	var upto []*ledger.Entry
	for _, e := range entries {
		if e.Incident != nil && !e.When().After(asOf) {
			upto = append(upto, e)
		}
	}
	return service(est, upto, asOf)
}

func inventory(est *record.Estate) Inventory {
	inv := Inventory{ByKind: map[string]int{}, ByClass: map[string]int{}, ByStatus: map[string]int{},
		ByLocation: map[string]int{}, ByBaseline: map[string]int{}, Records: []Row{}}
	for _, rec := range est.Records {
		row := Row{ID: rec.ID, Kind: string(rec.Kind), Path: rec.Path}
		if a := rec.Asset; a != nil {
			row.Class, row.Status, row.Location, row.Baseline, row.Owner = a.Class, a.Status, a.Location, a.Baseline, a.Owner
			inv.ByClass[a.Class]++
			inv.ByStatus[a.Status]++
			inv.ByLocation[orNone(a.Location)]++
			inv.ByBaseline[orNone(a.Baseline)]++
		}
		inv.ByKind[row.Kind]++
		inv.Records = append(inv.Records, row)
	}
	inv.Total = len(inv.Records)
	sort.Slice(inv.Records, func(i, j int) bool {
		a, b := inv.Records[i], inv.Records[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.ID < b.ID
	})
	return inv
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func period(t time.Time, kind string) string {
	if kind == "quarter" {
		return t.Format("2006") + "-Q" + string(rune('1'+(int(t.Month())-1)/3))
	}
	return t.Format("2006-01")
}

func accounting(est *record.Estate, entries []*ledger.Entry, o Options) Accounting {
	acc := Accounting{Periods: []Period{}, Unverified: []ChangeRow{}, Emergency: []ChangeRow{}, Exemptions: []Exemption{}}
	var upto []*ledger.Entry
	for _, e := range entries {
		if !e.When().After(o.AsOf) {
			upto = append(upto, e)
		}
	}
	acc.LedgerEntries = len(upto)
	verified := map[int64]bool{}
	for _, e := range upto {
		switch e.Kind {
		case ledger.KindChangeVerified:
			for _, s := range e.Verifies {
				verified[s] = true
			}
		case ledger.KindAudit:
			acc.Audits++
			acc.LastAudit, acc.LastAuditTime = e.Audit, e.Time
		}
	}
	periods := map[string]*Period{}
	for _, e := range upto {
		if e.Kind != ledger.KindChangeImplemented {
			continue
		}
		key := period(e.When().UTC(), o.Period)
		p := periods[key]
		if p == nil {
			p = &Period{Period: key, ByType: map[string]int{}, ByRisk: map[string]int{}, ByOutcome: map[string]int{}}
			periods[key] = p
		}
		p.Total++
		p.ByType[orNone(e.Type)]++
		p.ByRisk[orNone(e.Risk)]++
		row := ChangeRow{Entry: e.Seq, Time: e.Time, Commit: e.Merge(), PR: e.PR, Change: e.Change, Title: e.Title,
			Type: e.Type, Risk: e.Risk, Author: e.Author, Approvals: len(e.Approvers)}
		if verified[e.Seq] {
			p.ByOutcome[OutcomeVerified]++
		} else {
			p.ByOutcome[OutcomeAwaiting]++
			acc.Unverified = append(acc.Unverified, row)
		}
		if e.Type == "emergency" && est.Policy != nil {
			days := 0
			if est.Policy.Emergency != nil {
				days = est.Policy.Emergency.ReviewWithinDays
			}
			due := e.When().AddDate(0, 0, days)
			for _, req := range ledger.Required(est.Policy, e) {
				if ledger.Approvals(e, req, due) < req.Count {
					row.Due, row.Overdue = ledger.FormatTime(due), o.AsOf.After(due)
					acc.Emergency = append(acc.Emergency, row)
					break
				}
			}
		}
	}
	for _, p := range periods {
		acc.Periods = append(acc.Periods, *p)
	}
	sort.Slice(acc.Periods, func(i, j int) bool { return acc.Periods[i].Period < acc.Periods[j].Period })
	day := time.Date(o.AsOf.Year(), o.AsOf.Month(), o.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	for _, a := range est.SortedAssets() {
		for _, x := range a.Exemptions {
			t, err := time.Parse(time.DateOnly, x.Expires)
			if err != nil {
				continue
			}
			days := int(t.Sub(day).Hours() / 24)
			if days > o.ExpiringDays {
				continue
			}
			acc.Exemptions = append(acc.Exemptions, Exemption{Asset: a.ID, Control: x.Control, Expires: x.Expires, Days: days, Change: x.Change, Owner: est.Accountable(a)})
		}
	}
	sort.SliceStable(acc.Exemptions, func(i, j int) bool { return acc.Exemptions[i].Expires < acc.Exemptions[j].Expires })
	return acc
}
