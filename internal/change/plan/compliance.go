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
func compliance(e *record.Estate, devices []record.Device, now time.Time) map[string]change.Compliance {
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
	for _, f := range res.Findings {
		if f.Rule == audit.RuleControl && f.Record != "" && seen[f.Record] {
			out[f.Record] = change.Failing
		}
	}
	return out
}
