package audit

import (
	"sort"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Summary is the compliance summary of an audit: how many devices were
// seen and matched, and per baseline, control and location how they fare.
// Its JSON form is part of `estate audit --format json`.
type Summary struct {
	Devices      int `json:"devices"`       // facts documents audited
	Assets       int `json:"assets"`        // assets expected to report (deployed or loaned, managed class)
	Seen         int `json:"seen"`          // devices matched to an asset
	Unregistered int `json:"unregistered"`  // devices matched to no asset
	Missing      int `json:"missing"`       // expected assets not seen recently
	Compliant    int `json:"compliant"`     // seen devices whose every control passes (or is exempt)
	NonCompliant int `json:"non_compliant"` // seen devices with a failing control
	Unverified   int `json:"unverified"`    // no failure, but a control could not be checked
	// MissingAfterDays is the age after which facts no longer count.
	MissingAfterDays int               `json:"missing_after_days"`
	Baselines        []BaselineSummary `json:"baselines"`
	Locations        []LocationSummary `json:"locations"`
}

// BaselineSummary is the compliance of the devices of one baseline.
type BaselineSummary struct {
	Name         string           `json:"name"`
	Version      string           `json:"version"`
	Devices      int              `json:"devices"`
	Compliant    int              `json:"compliant"`
	NonCompliant int              `json:"non_compliant"`
	Unverified   int              `json:"unverified"`
	Controls     []ControlSummary `json:"controls"`
}

// ControlSummary counts one control's outcomes over its baseline's devices.
type ControlSummary struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Pass     int    `json:"pass"`
	Fail     int    `json:"fail"`
	Exempt   int    `json:"exempt"`
	Unknown  int    `json:"unknown"` // not collected, or not judgeable
	// Upcoming: failing before the control's effective date (not in Fail);
	// InGrace: of Fail, within their grace.
	Upcoming  int    `json:"upcoming,omitempty"`
	InGrace   int    `json:"in_grace,omitempty"`
	Effective string `json:"effective,omitempty"`
	Grace     string `json:"grace,omitempty"`
}

// LocationSummary is the state of the expected assets of one location.
type LocationSummary struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	Assets       int    `json:"assets"`
	Seen         int    `json:"seen"`
	Missing      int    `json:"missing"`
	Compliant    int    `json:"compliant"`
	NonCompliant int    `json:"non_compliant"`
	Unverified   int    `json:"unverified"`
}

// The counts of the parts of a sharded audit add up to the whole's:
// each Add sums every count of its type (TestSummaryAddsEveryCount
// fails when a count is added to a type and not to its Add).

// Add adds the device counts of x (not its baselines and locations,
// which are matched by name: see the merge of a sharded audit).
func (s *Summary) Add(x Summary) {
	s.Devices += x.Devices
	s.Assets += x.Assets
	s.Seen += x.Seen
	s.Unregistered += x.Unregistered
	s.Missing += x.Missing
	s.Compliant += x.Compliant
	s.NonCompliant += x.NonCompliant
	s.Unverified += x.Unverified
}

// Add adds the device counts of x (not its controls: ControlSummary.Add).
func (b *BaselineSummary) Add(x BaselineSummary) {
	b.Devices += x.Devices
	b.Compliant += x.Compliant
	b.NonCompliant += x.NonCompliant
	b.Unverified += x.Unverified
}

// Add adds the outcome counts of x.
func (c *ControlSummary) Add(x ControlSummary) {
	c.Pass += x.Pass
	c.Fail += x.Fail
	c.Exempt += x.Exempt
	c.Unknown += x.Unknown
	c.Upcoming += x.Upcoming
	c.InGrace += x.InGrace
}

// Add adds the counts of x.
func (l *LocationSummary) Add(x LocationSummary) {
	l.Assets += x.Assets
	l.Seen += x.Seen
	l.Missing += x.Missing
	l.Compliant += x.Compliant
	l.NonCompliant += x.NonCompliant
	l.Unverified += x.Unverified
}

// Percent is the share of compliant devices among those judged, 0–100.
func (b BaselineSummary) Percent() float64 { return record.Percent(b.Compliant, b.Devices) }

func (r *run) summarize(devices int, pairs []pair, missing map[*record.Asset]bool, counts [][7]int, scope []*record.Record) Summary {
	s := Summary{Devices: devices, Seen: len(pairs), Unregistered: r.unreg,
		Missing: len(missing), MissingAfterDays: int(r.opts.MissingAfter / (24 * time.Hour))}
	byBase := map[string]*BaselineSummary{}
	byLoc := map[string]*LocationSummary{}
	loc := func(id string) *LocationSummary {
		if id == "" {
			id = "(none)"
		}
		l := byLoc[id]
		if l == nil {
			l = &LocationSummary{ID: id}
			if x := r.e.Locations[id]; x != nil {
				l.Name = x.Name
			}
			byLoc[id] = l
		}
		return l
	}
	for i := range pairs {
		p := &pairs[i]
		l := loc(p.asset.Location)
		l.Seen++
		var b *BaselineSummary
		if p.asset.Baseline != "" {
			b = byBase[p.asset.Baseline]
			if b == nil {
				b = &BaselineSummary{Name: p.asset.Baseline}
				if x := r.e.Baselines[p.asset.Baseline]; x != nil {
					b.Version = x.Version
				}
				byBase[p.asset.Baseline] = b
			}
			b.Devices++
		}
		switch p.status {
		case compliant:
			s.Compliant++
			l.Compliant++
			b.Compliant++
		case nonCompliant:
			s.NonCompliant++
			l.NonCompliant++
			b.NonCompliant++
		case unverified:
			s.Unverified++
			l.Unverified++
			b.Unverified++
		}
	}
	for _, rec := range scope {
		a := rec.Asset
		s.Assets++
		l := loc(a.Location)
		l.Assets++
		if missing[a] {
			l.Missing++
		}
	}
	for _, name := range sortedKeys(byBase) {
		b := byBase[name]
		for _, c := range r.byBase[name] {
			n := counts[c.idx]
			b.Controls = append(b.Controls, ControlSummary{ID: c.ctl.ID, Title: c.ctl.Title, Severity: c.sev.String(),
				Pass: n[pass], Fail: n[fail], Exempt: n[exempt], Unknown: n[unknown] + n[bad],
				Upcoming: n[upcoming], InGrace: n[inGrace], Effective: c.ctl.Effective, Grace: c.ctl.Grace})
		}
		s.Baselines = append(s.Baselines, *b)
	}
	for _, id := range sortedKeys(byLoc) {
		s.Locations = append(s.Locations, *byLoc[id])
	}
	sort.SliceStable(s.Locations, func(i, j int) bool { return s.Locations[i].ID < s.Locations[j].ID })
	return s
}
