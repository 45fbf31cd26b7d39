package licence

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
)

// Rule names of the findings this package makes.
const (
	RuleOver       = "licence-over-deployed"
	RuleExpired    = "licence-expired"
	RuleExpiring   = "licence-expiring"
	RuleUnassigned = "licence-unassigned-install"
	RulePattern    = "licence-pattern"
)

// Options tune an analysis.
type Options struct {
	// Now is the day expiry is judged against.
	Now time.Time
	// ExpiringWithin is how many days ahead a licence counts as expiring
	// (default 90).
	ExpiringWithin int
}

// Usage is one licence's entitlement against its use. Counts are of
// devices, or of people for a licence whose metric is "user".
type Usage struct {
	ID      string `json:"id"`
	Product string `json:"product"`
	Vendor  string `json:"vendor,omitempty"`
	// Metric is what one seat covers: device (the default), user,
	// concurrent or site.
	Metric string `json:"metric"`
	Seats  int    `json:"seats"`
	// Assigned counts active assets (not retired, disposed, lost or
	// stolen) whose `licences:` list names this licence.
	Assigned int `json:"assigned"`
	// Installed counts devices whose facts show a package matching one of
	// the licence's patterns.
	Installed int `json:"installed"`
	// Unassigned counts devices with an install seen but no assignment:
	// use the inventory does not account for.
	Unassigned int `json:"unassigned_installs"`
	// Used is the seats consumed: the devices assigned or seen installed
	// (their owners, for a per-user licence).
	Used int `json:"used"`
	// Over is how many seats are used beyond the entitlement.
	Over int `json:"over"`
	// Unused is how many entitled seats nobody uses.
	Unused int `json:"unused"`
	// Reclaimable counts retired, disposed, lost or stolen assets that
	// still list the licence: seats to take back.
	Reclaimable int `json:"reclaimable"`
	// UnitCost is the cost of one seat per Period: the licence's
	// cost.amount, which is per seat (as licences are priced).
	UnitCost float64 `json:"unit_cost,omitempty"`
	Currency string  `json:"currency,omitempty"`
	// Period is once, month or year (year when the licence does not say).
	Period string `json:"period,omitempty"`
	// SavingPerYear is what the unused seats cost a year (0 for a
	// one-off purchase: that money is spent).
	SavingPerYear float64 `json:"saving_per_year,omitempty"`
	Expires       string  `json:"expires,omitempty"`
	// DaysLeft is the days from Now to Expires (negative: expired); nil
	// when the licence has no expiry.
	DaysLeft *int `json:"days_left,omitempty"`
	// Status is the worst of: over-deployed, expired, expiring,
	// unused-seats, ok.
	Status string `json:"status"`
	// Patterns are the package patterns installs were matched by.
	Patterns []string `json:"patterns,omitempty"`
	// Measured is false when the metric cannot be measured from the
	// inventory and facts (concurrent, site): Used is then the devices.
	Measured bool `json:"measured"`
}

// Report is the licence position of an estate.
type Report struct {
	AsOf   string `json:"as_of"`
	Within int    `json:"expiring_within_days"`
	// FactsDevices counts the facts documents read; FactsUnmatched those
	// that match no asset by serial or hostname (their installs still
	// count).
	FactsDevices   int              `json:"facts_devices"`
	FactsUnmatched int              `json:"facts_unmatched"`
	Licences       []Usage          `json:"licences"`
	Totals         Totals           `json:"totals"`
	Findings       []record.Finding `json:"findings"`
}

// Totals sum the licences.
type Totals struct {
	Licences      int                `json:"licences"`
	Seats         int                `json:"seats"`
	Used          int                `json:"used"`
	Over          int                `json:"over"`
	Unused        int                `json:"unused"`
	OverDeployed  int                `json:"over_deployed_licences"`
	Expiring      int                `json:"expiring_licences"`
	Expired       int                `json:"expired_licences"`
	SavingPerYear map[string]float64 `json:"saving_per_year"`
}

// inactive statuses do not consume a seat.
var inactive = map[string]bool{"retired": true, "disposed": true, "lost": true, "stolen": true}

// Active reports whether an asset in status s consumes what is assigned to it.
func Active(status string) bool { return !inactive[status] }

// device is one machine seen in the inventory or the facts.
type device struct {
	key   string // asset id, or "facts:<serial|hostname>"
	owner string
	pkgs  []string // lower-cased package names seen
	facts bool     // facts were read for it
}

// Analyse computes the licence position of e, given the facts collected
// from devices (may be empty: installs are then unknown and only
// assignments count). Facts are matched to assets by serial, then by
// hostname (case-insensitive; an FQDN matches by its first label).
func Analyse(e *record.Estate, facts []record.Facts, opts Options) Report {
	if opts.ExpiringWithin <= 0 {
		opts.ExpiringWithin = 90
	}
	today := dateOf(opts.Now)
	rep := Report{AsOf: today.Format(time.DateOnly), Within: opts.ExpiringWithin, FactsDevices: len(facts),
		Totals: Totals{SavingPerYear: map[string]float64{}}}

	assets := Assets(e)
	ix := match.New(e)
	devices := map[string]*device{}
	for i := range facts {
		f := &facts[i]
		var a *record.Asset
		if rec, _ := ix.Find(f); rec != nil {
			a = rec.Asset
		}
		var d *device
		if a != nil {
			d = devices[a.ID]
			if d == nil {
				d = &device{key: a.ID, owner: e.User(a)}
				devices[a.ID] = d
			}
		} else {
			rep.FactsUnmatched++
			key := "facts:" + match.Key(f)
			if key == "facts:" {
				key = fmt.Sprintf("facts:#%d", i)
			}
			d = devices[key]
			if d == nil {
				d = &device{key: key}
				devices[key] = d
			}
		}
		d.facts = true
		for _, p := range f.Packages {
			d.pkgs = append(d.pkgs, strings.ToLower(p.Name))
		}
	}

	paths := map[string]string{}
	for _, r := range e.Records {
		if r.Kind == record.KindLicence {
			paths[r.ID] = r.Path
		}
	}
	assigned := map[string][]*record.Asset{}
	reclaim := map[string]int{}
	for _, a := range assets {
		seen := map[string]bool{}
		for _, l := range a.Licences {
			if seen[l] {
				continue
			}
			seen[l] = true
			if Active(a.Status) {
				assigned[l] = append(assigned[l], a)
			} else {
				reclaim[l]++
			}
		}
	}
	deviceKeys := make([]string, 0, len(devices))
	for k := range devices {
		deviceKeys = append(deviceKeys, k)
	}
	sort.Strings(deviceKeys)

	ids := make([]string, 0, len(e.Licences))
	for id := range e.Licences {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		l := e.Licences[id]
		u := Usage{ID: l.ID, Product: l.Product, Vendor: l.Vendor, Metric: l.Metric, Seats: l.Seats,
			Expires: l.Expires, Patterns: l.Packages, Reclaimable: reclaim[id]}
		if u.Metric == "" {
			u.Metric = "device"
		}
		u.Measured = u.Metric == "device" || u.Metric == "user"
		var pats []string
		for _, p := range l.Packages {
			lp := strings.ToLower(p)
			if _, err := path.Match(lp, ""); err != nil {
				rep.Findings = append(rep.Findings, record.Finding{Pos: record.Pos{File: paths[id]}, Rule: RulePattern,
					Severity: record.SevMedium, Record: id, Field: "packages",
					Message: fmt.Sprintf("package pattern %q is not a valid glob: %v", p, err),
					Hint:    "use * and ? wildcards, and [...] classes with a closing bracket"})
				continue
			}
			pats = append(pats, lp)
		}
		users := map[string]bool{}
		count := func(key, owner string) {
			if owner != "" && u.Metric == "user" {
				users["u:"+strings.ToLower(owner)] = true
			} else {
				users["d:"+key] = true
			}
		}
		isAssigned := map[string]bool{}
		for _, a := range assigned[id] {
			isAssigned[a.ID] = true
			count(a.ID, e.User(a))
		}
		u.Assigned = len(assigned[id])
		if len(pats) > 0 {
			for _, k := range deviceKeys {
				d := devices[k]
				if !matchAny(pats, d.pkgs) {
					continue
				}
				u.Installed++
				if !isAssigned[k] {
					u.Unassigned++
					owner := d.owner
					if a, ok := e.Assets[k]; ok {
						owner = e.User(a)
					}
					count(k, owner)
				}
			}
		}
		u.Used = len(users)
		if u.Used > u.Seats {
			u.Over = u.Used - u.Seats
		} else {
			u.Unused = u.Seats - u.Used
		}
		if l.Cost != nil {
			u.Currency = l.Cost.Currency
			u.Period = l.Cost.Period
			if u.Period == "" {
				u.Period = "year"
			}
			unit := l.Cost.Amount // per seat per period
			u.UnitCost = round2(unit)
			switch u.Period {
			case "year":
				u.SavingPerYear = round2(unit * float64(u.Unused))
			case "month":
				u.SavingPerYear = round2(unit * float64(u.Unused) * 12)
			}
		}
		var expiring, expired bool
		if t, err := time.Parse(time.DateOnly, l.Expires); err == nil {
			days := int(math.Round(t.Sub(today).Hours() / 24))
			u.DaysLeft = &days
			expired = days < 0
			expiring = !expired && days <= opts.ExpiringWithin
		}
		switch {
		case u.Over > 0:
			u.Status = "over-deployed"
		case expired:
			u.Status = "expired"
		case expiring:
			u.Status = "expiring"
		case u.Unused > 0:
			u.Status = "unused-seats"
		default:
			u.Status = "ok"
		}
		at := record.Pos{File: paths[id]}
		if u.Over > 0 {
			rep.Totals.OverDeployed++
			rep.Findings = append(rep.Findings, record.Finding{Pos: at, Rule: RuleOver, Severity: record.SevHigh, Record: id, Field: "seats",
				Message:  fmt.Sprintf("%s is over-deployed: %d used against %d seats", id, u.Used, u.Seats),
				Hint:     "buy more seats, or remove the licence from assets that do not need it",
				Expected: fmt.Sprintf("<= %d", u.Seats), Observed: fmt.Sprint(u.Used)})
		}
		if expired {
			rep.Totals.Expired++
			rep.Findings = append(rep.Findings, record.Finding{Pos: at, Rule: RuleExpired, Severity: record.SevHigh, Record: id, Field: "expires",
				Message: fmt.Sprintf("%s expired on %s", id, l.Expires), Hint: "renew it, or retire it and remove it from assets"})
		} else if expiring {
			rep.Totals.Expiring++
			rep.Findings = append(rep.Findings, record.Finding{Pos: at, Rule: RuleExpiring, Severity: record.SevLow, Record: id, Field: "expires",
				Message: fmt.Sprintf("%s expires on %s, in %d days", id, l.Expires, *u.DaysLeft)})
		}
		if u.Unassigned > 0 {
			rep.Findings = append(rep.Findings, record.Finding{Pos: at, Rule: RuleUnassigned, Severity: record.SevMedium, Record: id,
				Message: fmt.Sprintf("%s is installed on %d device(s) the inventory does not assign it to", id, u.Unassigned),
				Hint:    "add the licence to those assets' licences: lists, or remove the software"})
		}
		rep.Licences = append(rep.Licences, u)
		rep.Totals.Licences++
		rep.Totals.Seats += u.Seats
		rep.Totals.Used += u.Used
		rep.Totals.Over += u.Over
		rep.Totals.Unused += u.Unused
		if u.SavingPerYear > 0 {
			rep.Totals.SavingPerYear[u.Currency] = round2(rep.Totals.SavingPerYear[u.Currency] + u.SavingPerYear)
		}
	}
	return rep
}

// Assets returns the assets of e in path order (the order of
// e.Records), each once: cheaper than sorting by id, and as stable.
func Assets(e *record.Estate) []*record.Asset {
	out := make([]*record.Asset, 0, len(e.Assets))
	for _, r := range e.Records {
		if r.Kind == record.KindAsset && r.Asset != nil && e.Assets[r.ID] == r.Asset {
			out = append(out, r.Asset)
		}
	}
	if len(out) < len(e.Assets) { // an estate built without records
		return e.SortedAssets()
	}
	return out
}

// Matches reports whether a package name matches a licence pattern (a
// path.Match glob, case-insensitive).
func Matches(pattern, name string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(name))
	return err == nil && ok
}

func matchAny(pats, names []string) bool {
	for _, n := range names {
		for _, p := range pats {
			if ok, _ := path.Match(p, n); ok {
				return true
			}
		}
	}
	return false
}

func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
