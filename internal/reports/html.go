package reports

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/forecast"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/htmlreport"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/report"
)

// PeriodDays is the period whose changes the HTML report lists, ending
// at the report's date.
const PeriodDays = 90

// HTMLOptions say what `estate report --format html` shows.
type HTMLOptions struct {
	Env
	// AsOf is as for Status: "" (now, the working tree), a date, a time
	// or a git revision.
	AsOf string
	// Ref is the ledger's ref ("" = ledger.ref of estate.yaml).
	Ref string
	// Facts is a folder of facts documents ("" = facts/ when present).
	// For a report as of a past moment only the facts collected by then
	// count, judged as of then (as estate audit --as-of judges).
	Facts string
	// Trend is the compliance trend's period: day, week or month.
	Trend string
}

// HTML gathers the service report's data (htmlreport.Write renders it).
// The compliance trend and the changes of the period come from the
// ledger, up to the report's date; without a ledger the changes come from
// changes/ (those with a window in the period). Compliance now is an
// audit of the facts, for a report of now.
func HTML(ctx context.Context, o HTMLOptions) (htmlreport.Data, error) {
	rev, when, err := AsOf(ctx, o.Env, nil, o.AsOf) // the same --as-of as the other formats
	if err != nil {
		return htmlreport.Data{}, err
	}
	label := "working tree"
	if rev != "" {
		label = "commit " + rev[:min(12, len(rev))]
	}
	est, err := o.open(ctx, rev)
	if err != nil {
		return htmlreport.Data{}, err
	}
	var notes []string
	facts, err := o.readFacts(ctx, o.Facts)
	if err != nil {
		return htmlreport.Data{}, err
	}
	if o.AsOf != "" {
		// As of a past moment: what the facts said by then, judged then
		// (as estate audit --as-of judges); later facts are no evidence
		// of the state then.
		kept, later := factsBy(facts, when)
		facts = kept
		if later > 0 {
			notes = append(notes, fmt.Sprintf("%d facts documents collected after %s are left out: they are no evidence of the state then.", later, when.Format(time.DateOnly)))
		}
	}
	day := when.Format(time.DateOnly)
	start := when.AddDate(0, 0, -PeriodDays)
	d := htmlreport.Data{
		Title:       "Estate service report",
		Org:         o.org(est),
		AsOf:        day,
		Revision:    label,
		Generated:   o.Now.UTC().Format(time.RFC3339),
		Estate:      est,
		Licences:    licence.Analyse(est, facts, licence.Options{Now: when}),
		Forecast:    forecast.Forecast(est, forecast.Options{Now: when, Months: 12}),
		PeriodStart: start.Format(time.DateOnly),
		PeriodEnd:   day,
	}
	entries, lnote := o.ledgerSnapshot(ctx, est, o.Ref)
	if lnote != "" {
		notes = append(notes, lnote)
	}
	d.Trend, d.Changes = ledgerTrend(entries, start, when)
	if len(entries) > 0 {
		ref := o.Ref
		if ref == "" {
			ref = est.Settings.LedgerRef()
		}
		audits, err := ops.ReadCompliance(ctx, ops.ComplianceOptions{Dir: o.dir(), Ref: ref})
		if err != nil {
			return htmlreport.Data{}, err
		}
		if tr := report.BuildTrend(est, audits, when, o.Trend); tr != nil {
			d.ComplianceTrend, d.Commentary = tr, tr.Commentary
		}
	}
	svc := report.ServiceOf(est, entries, when)
	d.Service = &svc
	if len(facts) > 0 {
		d.Current, d.Baselines = currentCompliance(est, facts, when)
		d.CurrentSource = fmt.Sprintf("Compliance now: estate audit of the facts of %d devices as the report was made (not a ledger entry).", len(facts))
		if o.AsOf != "" {
			d.CurrentSource = fmt.Sprintf("Compliance as of %s: estate audit of the facts of %d devices collected by then, judged as of then (not a ledger entry).", day, len(facts))
		}
	}
	switch {
	case len(entries) > 0:
		d.ChangesSource = "from the ledger"
	default:
		d.ChangesSource = "from changes/: the requests with a window in the period (no ledger)"
		d.Changes = changesInWindow(est, start, when)
	}
	for _, p := range d.Forecast.Policies {
		if p.Source == "default" {
			notes = append(notes, "Refresh periods marked (default) are estate's defaults: set refresh: in estate.yaml to use your own.")
			break
		}
	}
	d.Notes = notes
	return d, nil
}

// currentCompliance audits the facts now (internal/audit) for the
// headline and the per-baseline table.
func currentCompliance(est *record.Estate, facts []record.Facts, now time.Time) (*htmlreport.Point, []htmlreport.Baseline) {
	devices := make([]record.Device, len(facts))
	for i := range facts {
		devices[i] = record.Device{Source: fmt.Sprintf("facts document %d", i+1), Facts: &facts[i]}
	}
	res := audit.Run(est, devices, audit.Options{Now: now})
	s := res.Summary
	p := &htmlreport.Point{Date: now.Format(time.DateOnly), Devices: s.Devices, Compliant: s.Compliant,
		NonCompliant: s.NonCompliant, Unverified: s.Unverified, Missing: s.Missing, Findings: len(res.Findings)}
	var bs []htmlreport.Baseline
	for _, b := range s.Baselines {
		row := htmlreport.Baseline{Name: b.Name, Version: b.Version, Devices: b.Devices, Compliant: b.Compliant,
			NonCompliant: b.NonCompliant, Unverified: b.Unverified}
		cs := append([]audit.ControlSummary(nil), b.Controls...)
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].Fail > cs[j].Fail })
		for _, c := range cs {
			if c.Fail == 0 || len(row.Failing) == 3 {
				break
			}
			row.Failing = append(row.Failing, fmt.Sprintf("%s %s (%d)", c.ID, c.Title, c.Fail))
		}
		bs = append(bs, row)
	}
	return p, bs
}

// ledgerSnapshot reads the ledger's entries; a missing repository or
// ledger is a note, not an error (the report still has the rest).
func (e Env) ledgerSnapshot(ctx context.Context, est *record.Estate, ref string) ([]*ledger.Entry, string) {
	repo, err := gitrepo.Open(e.dir())
	if err != nil {
		return nil, "Not a git repository: no ledger, so no compliance trend."
	}
	if ref == "" {
		ref = est.Settings.LedgerRef()
	}
	snap, err := (&gitstore.Store{Repo: repo, Ref: ref}).Read(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, "The ledger was not read: cancelled."
		}
		return nil, fmt.Sprintf("The ledger (%s) could not be read: %v. Run estate ledger verify.", ref, err)
	}
	entries := snap.Entries()
	if len(entries) == 0 {
		return nil, fmt.Sprintf("The ledger (%s) is empty: no compliance trend; changes are read from changes/.", ref)
	}
	return entries, ""
}

// ledgerTrend picks the audits up to until (the trend) and the changes
// implemented in [from, until], newest first.
func ledgerTrend(entries []*ledger.Entry, from, until time.Time) ([]htmlreport.Point, []htmlreport.Change) {
	var trend []htmlreport.Point
	var changes []htmlreport.Change
	for _, e := range entries {
		t, err := time.Parse(time.RFC3339, e.Time)
		if err != nil || t.After(until) {
			continue
		}
		switch e.Kind {
		case ledger.KindAudit:
			if e.Audit == nil {
				continue
			}
			s := e.Audit.Summary
			p := htmlreport.Point{Date: t.UTC().Format(time.DateOnly), Devices: s["devices"], Compliant: s["compliant"],
				NonCompliant: s["non-compliant"], Unverified: s["unverified"], Missing: s["missing"], Findings: e.Audit.Findings}
			if p.NonCompliant == 0 {
				p.NonCompliant = s["non_compliant"]
			}
			trend = append(trend, p)
		case ledger.KindChangeImplemented:
			if t.Before(from) {
				continue
			}
			c := htmlreport.Change{Date: t.UTC().Format(time.DateOnly), ID: e.Change, Title: e.Title, Type: e.Type, Risk: e.Risk,
				PR: e.PR, Author: e.Author, Records: len(e.Records)}
			for _, a := range e.Approvers {
				c.Approvers = append(c.Approvers, a.By)
			}
			changes = append(changes, c)
		}
	}
	sort.SliceStable(trend, func(i, j int) bool { return trend[i].Date < trend[j].Date })
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Date > changes[j].Date })
	return trend, changes
}

// changesInWindow lists the change requests whose window starts in
// [from, until], newest first.
func changesInWindow(est *record.Estate, from, until time.Time) []htmlreport.Change {
	var out []htmlreport.Change
	for _, c := range est.Changes {
		if c.Window == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, c.Window.Start)
		if err != nil || t.Before(from) || t.After(until) {
			continue
		}
		out = append(out, htmlreport.Change{Date: t.UTC().Format(time.DateOnly), ID: c.ID, Title: c.Title, Type: c.Type,
			Risk: c.Risk, Author: c.RequestedBy, Records: len(c.Records)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date > out[j].Date
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// org names the estate: owner/repo from estate.yaml, else the folder's
// name.
func (e Env) org(est *record.Estate) string {
	if s := est.Settings; s != nil && s.GitHub != nil && s.GitHub.Owner != "" && s.GitHub.Repo != "" {
		return s.GitHub.Owner + "/" + s.GitHub.Repo
	}
	if abs, err := filepath.Abs(e.dir()); err == nil {
		return filepath.Base(abs)
	}
	return ""
}

// factsBy keeps the facts collected at or before t, and counts the others.
func factsBy(fs []record.Facts, t time.Time) (kept []record.Facts, later int) {
	for _, f := range fs {
		if at, err := time.Parse(time.RFC3339, f.CollectedAt); err == nil && at.After(t) {
			later++
			continue
		}
		kept = append(kept, f)
	}
	return kept, later
}
