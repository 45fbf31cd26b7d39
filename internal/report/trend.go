package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
)

// Trend is compliance over time, from the ledger's compliance changes:
// the state at the last audit of each period, time to remediate, the
// drivers of the last period's change, and the effective dates ahead.
type Trend struct {
	Period string `json:"period"` // day, week or month
	// Devices are the assets in use with a baseline (the estate as of the
	// report): the denominator of every percentage.
	Devices int           `json:"devices"`
	Points  []TrendPoint  `json:"points"`
	Drivers []Driver      `json:"drivers"` // last period against the one before, largest first
	TTR     []Remediation `json:"time_to_remediate"`
	Ahead   []Deadline    `json:"effective_ahead"`
	// Commentary interprets the figures above, one sentence each.
	Commentary []string `json:"commentary"`
}

// TrendPoint is the state at the last audit of one period.
type TrendPoint struct {
	Period    string  `json:"period"` // 2026-11-23, 2026-W48 or 2026-11
	Audit     int64   `json:"audit_seq"`
	Failing   int     `json:"failing"` // devices failing at least one control
	Compliant float64 `json:"compliant_percent"`
}

// Driver is how many more (or fewer) devices fail in one group.
type Driver struct {
	By     string `json:"by"` // control, baseline, location or team
	Name   string `json:"name"`
	Before int    `json:"before"`
	After  int    `json:"after"`
}

// Remediation is how long failures took to fix in one group: from the
// audit that found a failure to the audit that found it passing.
type Remediation struct {
	By     string  `json:"by"`
	Name   string  `json:"name"`
	Fixed  int     `json:"fixed"`
	Median float64 `json:"median_days"`
	P90    float64 `json:"p90_days"`
}

// Deadline is a control that takes effect after the report's date.
type Deadline struct {
	Baseline  string `json:"baseline"`
	Control   string `json:"control"`
	Effective string `json:"effective"`
	Grace     string `json:"grace,omitempty"`
	Upcoming  int    `json:"failing_now"` // devices failing it at the last audit
}

func periodOf(t time.Time, kind string) string {
	switch kind {
	case "day":
		return t.Format("2006-01-02")
	case "week":
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return t.Format("2006-01")
}

// BuildTrend folds audits (oldest first, up to asOf) into the trend by
// kind (day, week or month); nil without audits.
func BuildTrend(est *record.Estate, audits []compliance.Audit, asOf time.Time, kind string) *Trend {
	if len(audits) == 0 {
		return nil
	}
	return buildTrend(est, audits, asOf, kind)
}

func buildTrend(est *record.Estate, audits []compliance.Audit, asOf time.Time, kind string) *Trend {
	if kind == "" {
		kind = "month"
	}
	tr := &Trend{Period: kind, Points: []TrendPoint{}, Drivers: []Driver{}, TTR: []Remediation{}, Ahead: []Deadline{}}
	inUse := map[string]*record.Asset{}
	for _, a := range est.SortedAssets() {
		if a.Baseline != "" && (a.Status == "deployed" || a.Status == "loaned") {
			inUse[a.ID] = a
		}
	}
	tr.Devices = len(inUse)
	state := map[compliance.Key]compliance.State{}
	failedAt := map[compliance.Key]time.Time{}
	fails := map[string]int{} // asset → failing controls
	groups := func(k compliance.Key) [][2]string {
		g := [][2]string{{"control", k.Control}}
		if a := inUse[k.Asset]; a != nil {
			g = append(g, [2]string{"baseline", a.Baseline}, [2]string{"location", orNone(a.Location)}, [2]string{"team", orNone(a.Owner)})
		}
		return g
	}
	ttr := map[[2]string][]float64{}
	snapshot := func() map[[2]string]int { // failing devices per group
		m := map[[2]string]int{}
		seen := map[[2]string]map[string]bool{}
		for k, s := range state {
			if s != compliance.Fail {
				continue
			}
			for _, g := range groups(k) {
				if seen[g] == nil {
					seen[g] = map[string]bool{}
				}
				if !seen[g][k.Asset] {
					seen[g][k.Asset] = true
					m[g]++
				}
			}
		}
		return m
	}
	// Each period ends at its last audit; only the last two periods' ends
	// need a snapshot (the drivers compare them), and a snapshot walks
	// every key not passing: at a year of 100,000 devices, 1.6 M keys.
	periodEnd := func(i int) bool {
		p := periodOf(audits[i].At.UTC(), kind)
		return i+1 == len(audits) || audits[i+1].At.After(asOf) || periodOf(audits[i+1].At.UTC(), kind) != p
	}
	var ends []int
	for i := range audits {
		if audits[i].At.After(asOf) {
			break
		}
		if periodEnd(i) {
			ends = append(ends, i)
		}
	}
	snapAt := map[int]bool{}
	for _, i := range ends[max(0, len(ends)-2):] {
		snapAt[i] = true
	}
	var prevSnap, lastSnap map[[2]string]int
	for i, a := range audits {
		if a.At.After(asOf) {
			break
		}
		for _, c := range a.Changes {
			old := state[c.Key]
			if old == compliance.Fail && c.State != compliance.Fail {
				fails[c.Asset]--
				if c.State == compliance.Pass {
					d := a.At.Sub(failedAt[c.Key]).Hours() / 24
					for _, g := range groups(c.Key) {
						ttr[g] = append(ttr[g], d)
					}
				}
			}
			if c.State == compliance.Fail && old != compliance.Fail {
				fails[c.Asset]++
				failedAt[c.Key] = a.At
			}
		}
		compliance.Apply(state, a.Changes)
		p := periodOf(a.At.UTC(), kind)
		if !periodEnd(i) {
			continue
		}
		failing := 0
		for id, n := range fails {
			if n > 0 && inUse[id] != nil {
				failing++
			}
		}
		tr.Points = append(tr.Points, TrendPoint{Period: p, Audit: a.Seq, Failing: failing,
			Compliant: record.Percent(tr.Devices-failing, tr.Devices)})
		if snapAt[i] {
			prevSnap, lastSnap = lastSnap, snapshot()
		}
	}
	if lastSnap != nil {
		keys := map[[2]string]bool{}
		for g := range lastSnap {
			keys[g] = true
		}
		for g := range prevSnap {
			keys[g] = true
		}
		for g := range keys {
			if b, a := prevSnap[g], lastSnap[g]; a != b {
				tr.Drivers = append(tr.Drivers, Driver{By: g[0], Name: g[1], Before: b, After: a})
			}
		}
		sort.Slice(tr.Drivers, func(i, j int) bool {
			di, dj := abs(tr.Drivers[i].After-tr.Drivers[i].Before), abs(tr.Drivers[j].After-tr.Drivers[j].Before)
			if di != dj {
				return di > dj
			}
			if tr.Drivers[i].By != tr.Drivers[j].By {
				return tr.Drivers[i].By < tr.Drivers[j].By
			}
			return tr.Drivers[i].Name < tr.Drivers[j].Name
		})
	}
	for g, ds := range ttr {
		sort.Float64s(ds)
		tr.TTR = append(tr.TTR, Remediation{By: g[0], Name: g[1], Fixed: len(ds), Median: quantile(ds, 0.5), P90: quantile(ds, 0.9)})
	}
	sort.Slice(tr.TTR, func(i, j int) bool {
		if tr.TTR[i].By != tr.TTR[j].By {
			return tr.TTR[i].By < tr.TTR[j].By
		}
		return tr.TTR[i].Name < tr.TTR[j].Name
	})
	day := asOf.UTC().Format("2006-01-02")
	for _, name := range sortedBaselines(est) {
		for _, c := range rules.EffectiveControls(est, name) {
			if c.Effective <= day {
				continue
			}
			n := 0
			for k, s := range state {
				if s == compliance.Fail && k.Control == c.ID && inUse[k.Asset] != nil && inUse[k.Asset].Baseline == name {
					n++
				}
			}
			tr.Ahead = append(tr.Ahead, Deadline{Baseline: name, Control: c.ID, Effective: c.Effective, Grace: c.Grace, Upcoming: n})
		}
	}
	sort.SliceStable(tr.Ahead, func(i, j int) bool { return tr.Ahead[i].Effective < tr.Ahead[j].Effective })
	tr.Commentary = commentary(tr)
	return tr
}

func sortedBaselines(est *record.Estate) []string {
	var out []string
	for n := range est.Baselines {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// quantile of sorted xs, nearest rank.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.999999) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// commentary writes a few sentences from the trend's own figures: each
// names the table and the value it comes from.
func commentary(tr *Trend) []string {
	var out []string
	n := len(tr.Points)
	if n == 0 {
		return []string{"No audit with compliance changes is in the ledger yet: there is no trend to interpret."}
	}
	if tr.Devices == 0 {
		return []string{"No asset in use has a baseline: the ledger's compliance changes give no share of compliant devices."}
	}
	last := tr.Points[n-1]
	s := fmt.Sprintf("At the end of %s, %.1f%% of %d devices were compliant (%d failing).", last.Period, last.Compliant, tr.Devices, last.Failing)
	if n > 1 {
		prev := tr.Points[n-2]
		d := last.Compliant - prev.Compliant
		dir := "up"
		if d < 0 {
			dir = "down"
		}
		if d == 0 {
			s = fmt.Sprintf("At the end of %s, %.1f%% of %d devices were compliant (%d failing), unchanged from %s.", last.Period, last.Compliant, tr.Devices, last.Failing, prev.Period)
		} else {
			s = fmt.Sprintf("At the end of %s, %.1f%% of %d devices were compliant (%d failing), %s %.1f points from %s (%d failing).",
				last.Period, last.Compliant, tr.Devices, last.Failing, dir, abs64(d), prev.Period, prev.Failing)
		}
	}
	out = append(out, s)
	if n > 1 {
		for _, by := range []string{"control", "baseline", "location"} {
			for _, d := range tr.Drivers {
				if d.By != by {
					continue
				}
				verb := "more"
				if d.After < d.Before {
					verb = "fewer"
				}
				out = append(out, fmt.Sprintf("By %s, %s moved most: %d %s failing devices (%d to %d).", by, d.Name, abs(d.After-d.Before), verb, d.Before, d.After))
				break
			}
		}
	}
	for _, r := range tr.TTR {
		if r.By == "control" && r.Fixed > 0 {
			slowest := r
			for _, x := range tr.TTR {
				if x.By == "control" && x.P90 > slowest.P90 {
					slowest = x
				}
			}
			out = append(out, fmt.Sprintf("Failures of %s took longest to fix: median %.0f days, 90th percentile %.0f days, over %d fixes.",
				slowest.Name, slowest.Median, slowest.P90, slowest.Fixed))
			break
		}
	}
	if len(tr.Ahead) > 0 {
		a := tr.Ahead[0]
		s := fmt.Sprintf("Next deadline: %s of %s takes effect on %s", a.Control, a.Baseline, a.Effective)
		if a.Grace != "" {
			s += " with " + a.Grace + " of grace"
		}
		out = append(out, s+fmt.Sprintf("; %d devices fail it today.", a.Upcoming))
	}
	return out
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
