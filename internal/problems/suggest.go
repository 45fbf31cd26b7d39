package problems

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// DefaultMinDevices is how many devices of one model, OS version or
// location must fail a control for a pattern.
const DefaultMinDevices = 3

// Input is what Suggest looks at.
type Input struct {
	// Entries are the ledger's entries in order; only incident entries count.
	Entries []*ledger.Entry
	// Estate is the estate now: its assets and its Problem records.
	Estate *record.Estate
	// Facts are each asset's newest facts, by asset id (may be empty).
	Facts map[string]*record.Facts
	// MinDevices: 0 = DefaultMinDevices.
	MinDevices int
}

// Draft is one suggested Problem and why.
type Draft struct {
	Problem record.Problem
	// Pattern is "spread" or "repeat"; By is model, os or location for a
	// spread; Records are the devices concerned.
	Pattern, By string
	Records     []string
}

// failure is a device failing a control.
type failure struct{ asset, control string }

// Suggest finds the patterns of in; drafts come without ids, most
// devices first.
func Suggest(in Input) []Draft {
	minDev := cmp.Or(in.MinDevices, DefaultMinDevices)
	failed := map[string]map[string]bool{} // control -> assets that failed it
	issues := map[failure][]int{}          // the issues of each failure
	state := map[failure]int{}             // 0 never, 1 failing, 2 verified fixed
	repeats := map[failure]int{}
	for _, e := range in.Entries {
		if e.Incident == nil {
			continue
		}
		assets, controls := subjects(e.Incident)
		if e.Kind == ledger.KindIncidentClosed && len(assets)+len(controls) > 0 {
			// Every failure of the incident was verified fixed: of its
			// device (one per device), or of its control (one per control).
			for f, s := range state {
				if s == 1 && (len(assets) == 0 || slices.Contains(assets, f.asset)) &&
					(len(controls) == 0 || slices.Contains(controls, f.control)) {
					state[f] = 2
				}
			}
			continue
		}
		for _, a := range assets {
			switch e.Kind {
			case ledger.KindIncidentOpened, ledger.KindIncidentReopened:
				for _, c := range controls {
					f := failure{a, c}
					if state[f] == 2 {
						repeats[f]++
					}
					state[f] = 1
					if failed[c] == nil {
						failed[c] = map[string]bool{}
					}
					failed[c][a] = true
					if !slices.Contains(issues[f], e.Incident.Issue) {
						issues[f] = append(issues[f], e.Incident.Issue)
					}
				}
			}
		}
	}
	var out []Draft
	for _, c := range slices.Sorted(maps.Keys(failed)) {
		for _, by := range []string{"model", "os", "location"} {
			groups := map[string][]string{}
			for a := range failed[c] {
				if v := in.attr(a, by); v != "" {
					groups[v] = append(groups[v], a)
				}
			}
			for _, v := range slices.Sorted(maps.Keys(groups)) {
				devs := groups[v]
				if len(devs) < minDev {
					continue
				}
				slices.Sort(devs)
				m := record.ProblemMatch{Control: c}
				what := map[string]string{"model": "model " + v, "os": "OS " + v, "location": "location " + v}[by]
				switch by {
				case "model":
					m.Model = v
				case "os":
					m.OS = v
				case "location":
					m.Location = v
				}
				out = append(out, in.draft(m, "spread", by, devs, issues,
					fmt.Sprintf("%s fails on %d devices of %s", c, len(devs), what)))
			}
		}
	}
	byControl := map[string][]string{}
	for f := range repeats {
		byControl[f.control] = append(byControl[f.control], f.asset)
	}
	for _, c := range slices.Sorted(maps.Keys(byControl)) {
		devs := byControl[c]
		slices.Sort(devs)
		var parts []string
		for _, a := range devs {
			parts = append(parts, fmt.Sprintf("%s %s", a, times(repeats[failure{a, c}])))
		}
		out = append(out, in.draft(record.ProblemMatch{Control: c}, "repeat", "", devs, issues,
			fmt.Sprintf("%s fails again after a fix: %s", c, strings.Join(parts, ", "))))
	}
	out = slices.DeleteFunc(out, func(d Draft) bool { return in.covered(d.Problem.Match) })
	slices.SortStableFunc(out, func(a, b Draft) int { return cmp.Compare(len(b.Records), len(a.Records)) })
	return out
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func (in Input) draft(m record.ProblemMatch, pattern, by string, devs []string, issues map[failure][]int, title string) Draft {
	var nums []int
	for _, a := range devs {
		for _, n := range issues[failure{a, m.Control}] {
			if n > 0 && !slices.Contains(nums, n) {
				nums = append(nums, n)
			}
		}
	}
	slices.Sort(nums)
	if len(title) > 200 {
		title = title[:197] + "..."
	}
	return Draft{Pattern: pattern, By: by, Records: devs, Problem: record.Problem{APIVersion: record.APIVersion,
		Kind: string(record.KindProblem), Title: title, Status: record.ProblemOpen, Match: m, Incidents: nums}}
}

// covered reports whether a Problem of the estate already has match m.
func (in Input) covered(m record.ProblemMatch) bool {
	if in.Estate == nil {
		return false
	}
	for _, p := range in.Estate.Problems {
		if p.Match == m {
			return true
		}
	}
	return false
}

// attr is asset a's model, OS version (major.minor) or location.
func (in Input) attr(a, by string) string {
	f := in.Facts[a]
	var asset *record.Asset
	if in.Estate != nil {
		asset = in.Estate.Assets[a]
	}
	switch by {
	case "model":
		if f != nil && f.Identity.Model != "" {
			return f.Identity.Model
		}
		if asset != nil {
			return asset.Model
		}
	case "os":
		if f != nil && f.OS != nil {
			return majorMinor(f.OS.Version)
		}
	case "location":
		if asset != nil {
			return asset.Location
		}
	}
	return ""
}

// majorMinor is the first two parts of a version ("14.2.1" -> "14.2"), or
// "" for what is not a dotted version.
func majorMinor(v string) string {
	parts := strings.Split(v, ".")
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return strings.Join(parts[:min(2, len(parts))], ".")
}

// subjects are the assets and control ids of an incident entry. Only
// baseline controls count: the physical audit's rules (audit/serial, ...)
// are not controls a Problem matches.
func subjects(in *ledger.Incident) (assets, controls []string) {
	assets = in.Records
	for _, c := range in.Controls {
		c = strings.TrimPrefix(c, "audit/control/")
		if c != "" && !strings.HasPrefix(c, "audit/") {
			controls = append(controls, c)
		}
	}
	return assets, controls
}
