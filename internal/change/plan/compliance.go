package plan

import (
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
)

// compliance audits the devices against an estate (internal/audit) and
// gives each asset's result: failing when a control fails, compliant when
// its device was seen and none fails, absent when no device matched it.
// Devices are matched to assets by internal/match, as estate audit does.
// The deadlines say, per asset, when an upcoming failure takes effect and
// when the grace of a failure ends.
func compliance(e *record.Estate, devices []record.Device, now time.Time) (map[string]change.Compliance, map[string]change.Deadline) {
	res := audit.Run(e, devices, audit.Options{Now: now, Partial: true})
	seen := map[string]bool{}
	ix := match.New(e)
	for _, d := range devices {
		if rec, _ := ix.Find(d.Facts); rec != nil {
			seen[rec.ID] = true
		}
	}
	out := map[string]change.Compliance{}
	for id := range seen {
		out[id] = change.Compliant
	}
	dl := map[string]change.Deadline{}
	for _, f := range res.Findings {
		if f.Record == "" || !seen[f.Record] {
			continue
		}
		switch f.Rule {
		case audit.RuleControl:
			out[f.Record] = change.Failing
			if f.GraceUntil != "" && f.State == record.StateInGrace {
				d := dl[f.Record]
				d.GraceUntil = earliest(d.GraceUntil, f.GraceUntil)
				dl[f.Record] = d
			}
		case audit.RuleUpcoming:
			d := dl[f.Record]
			d.From, d.GraceUntil = earliest(d.From, f.Effective), earliest(d.GraceUntil, f.GraceUntil)
			dl[f.Record] = d
		}
	}
	return out, dl
}

func earliest(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}
