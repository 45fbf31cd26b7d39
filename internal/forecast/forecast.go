package forecast

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/record"
)

// DefaultRefresh is the refresh policy per class when estate.yaml has no
// `refresh:` entry for it: years a device is kept. No default cost: the
// replacement cost is then the asset's own purchase cost.
var DefaultRefresh = map[string]float64{
	"laptop": 4, "desktop": 5, "thin-client": 6, "monitor": 6, "phone": 3, "tablet": 4,
	"printer": 6, "server": 5, "network": 7, "peripheral": 4, "other": 5,
}

// DefaultPhysicalAuditDays is the physical audit interval when estate.yaml
// sets no audit.physical_audit_days.
const DefaultPhysicalAuditDays = 365

// Options tune a forecast.
type Options struct {
	Now time.Time
	// Months is the horizon (default 12).
	Months int
}

// Policy is the refresh policy applied to one class, and where it came from.
type Policy struct {
	Class  string  `json:"class"`
	Years  float64 `json:"years"`
	Cost   float64 `json:"cost,omitempty"`
	Source string  `json:"source"` // "estate.yaml" or "default"
}

// Item is one thing due: a warranty expiry, a refresh or a physical audit.
type Item struct {
	Kind     string `json:"kind"` // warranty, refresh, audit
	Asset    string `json:"asset"`
	Class    string `json:"class"`
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Model    string `json:"model,omitempty"`
	// Due is the date it falls due (empty for an asset never audited).
	Due     string `json:"due,omitempty"`
	Month   string `json:"month"`   // YYYY-MM, or "overdue"
	Quarter string `json:"quarter"` // YYYY-Qn, or "overdue"
	Overdue bool   `json:"overdue"`
	// Cost is the replacement cost of a refresh; CostSource says where it
	// came from: "policy" (estate.yaml), "purchase" (the asset's own
	// purchase cost) or "unknown".
	Cost       float64 `json:"cost,omitempty"`
	Currency   string  `json:"currency,omitempty"`
	CostSource string  `json:"cost_source,omitempty"`
}

// Bucket sums what falls due in one period.
type Bucket struct {
	Period      string             `json:"period"` // YYYY-MM, YYYY-Qn or "overdue"
	Warranty    int                `json:"warranty_expiring"`
	Refresh     int                `json:"refresh_due"`
	RefreshCost map[string]float64 `json:"refresh_cost"` // by currency ("" when unknown)
	Audit       int                `json:"audit_due"`
}

// Report is a forecast over a horizon.
type Report struct {
	AsOf   string `json:"as_of"`
	Until  string `json:"until"` // first day after the horizon
	Months int    `json:"months"`
	// Policies are the refresh policies used, one per class seen.
	Policies    []Policy `json:"policies"`
	AuditDays   int      `json:"physical_audit_days"`
	AuditSource string   `json:"physical_audit_source"` // "estate.yaml" or "default"
	// Overdue sums what was already due before AsOf.
	Overdue   Bucket   `json:"overdue"`
	ByMonth   []Bucket `json:"by_month"`
	ByQuarter []Bucket `json:"by_quarter"`
	Items     []Item   `json:"items"`
	Active    int      `json:"active_assets"`
	NoDate    int      `json:"no_purchase_date"`
	NoWarr    int      `json:"no_warranty"`
	Never     int      `json:"never_audited"`
	Currency  []string `json:"currencies"`
}

// Forecast looks ahead over the active assets of e (not retired, disposed,
// lost or stolen).
func Forecast(e *record.Estate, opts Options) Report {
	if opts.Months <= 0 {
		opts.Months = 12
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	until := first.AddDate(0, opts.Months, 0)
	rep := Report{AsOf: today.Format(time.DateOnly), Until: until.Format(time.DateOnly), Months: opts.Months,
		Overdue: Bucket{Period: "overdue", RefreshCost: map[string]float64{}}}

	var set *record.Settings = e.Settings
	rep.AuditDays, rep.AuditSource = DefaultPhysicalAuditDays, "default"
	if set != nil && set.Audit != nil && set.Audit.PhysicalAuditDays > 0 {
		rep.AuditDays, rep.AuditSource = set.Audit.PhysicalAuditDays, "estate.yaml"
	}
	policies := map[string]Policy{}
	policy := func(class string) Policy {
		if p, ok := policies[class]; ok {
			return p
		}
		p := Policy{Class: class, Years: DefaultRefresh[class], Source: "default"}
		if p.Years == 0 {
			p.Years = DefaultRefresh["other"]
		}
		if set != nil {
			if rp, ok := set.Refresh[class]; ok && rp.Years > 0 {
				p = Policy{Class: class, Years: rp.Years, Cost: rp.Cost, Source: "estate.yaml"}
			}
		}
		policies[class] = p
		return p
	}

	// Buckets by index: month i of the horizon, and the quarter it is in.
	var months, quarters []*Bucket
	var quarterOf []int
	for m := first; m.Before(until); m = m.AddDate(0, 1, 0) {
		months = append(months, &Bucket{Period: m.Format("2006-01"), RefreshCost: map[string]float64{}})
		q := quarter(m)
		if len(quarters) == 0 || quarters[len(quarters)-1].Period != q {
			quarters = append(quarters, &Bucket{Period: q, RefreshCost: map[string]float64{}})
		}
		quarterOf = append(quarterOf, len(quarters)-1)
	}
	currencies := map[string]bool{}
	assets := licence.Assets(e)
	items := make([]Item, 0, 3*len(assets))
	keys := make([]int64, 0, 3*len(assets)) // sort key: overdue first, then by due day and kind
	place := func(it Item, due time.Time, never bool) {
		mi := -1
		if never || due.Before(today) {
			it.Overdue, it.Month, it.Quarter = true, "overdue", "overdue"
		} else {
			if !due.Before(until) {
				return
			}
			mi = (due.Year()-first.Year())*12 + int(due.Month()) - int(first.Month())
			it.Month, it.Quarter = months[mi].Period, quarters[quarterOf[mi]].Period
		}
		var day int64
		if !never {
			day = due.Unix()/86400 + 1_000_000 // positive for any date after 0710
		}
		key := day << 2
		switch it.Kind {
		case "refresh":
			key |= 1
		case "warranty":
			key |= 2
		}
		if !it.Overdue {
			key |= 1 << 40
		}
		items = append(items, it)
		keys = append(keys, key)
		bs := []*Bucket{&rep.Overdue}
		if mi >= 0 {
			bs = []*Bucket{months[mi], quarters[quarterOf[mi]]}
		}
		for _, b := range bs {
			switch it.Kind {
			case "warranty":
				b.Warranty++
			case "refresh":
				b.Refresh++
				if it.Cost > 0 {
					b.RefreshCost[it.Currency] = round2(b.RefreshCost[it.Currency] + it.Cost)
					currencies[it.Currency] = true
				}
			case "audit":
				b.Audit++
			}
		}
	}

	for _, a := range assets {
		if !licence.Active(a.Status) {
			continue
		}
		rep.Active++
		base := Item{Asset: a.ID, Class: a.Class, Status: a.Status, Location: a.Location, Owner: e.Accountable(a), Model: a.Model}
		if a.Warranty != nil {
			if t, err := time.Parse(time.DateOnly, a.Warranty.Expires); err == nil {
				it := base
				it.Kind, it.Due = "warranty", a.Warranty.Expires
				place(it, t, false)
			}
		} else {
			rep.NoWarr++
		}
		var bought time.Time
		if a.Purchase != nil {
			bought, _ = time.Parse(time.DateOnly, a.Purchase.Date)
		}
		if bought.IsZero() {
			rep.NoDate++
		} else {
			p := policy(a.Class)
			due := bought.AddDate(0, int(math.Round(p.Years*12)), 0)
			it := base
			it.Kind, it.Due = "refresh", due.Format(time.DateOnly)
			it.CostSource = "unknown"
			if a.Purchase != nil {
				it.Currency = a.Purchase.Currency
			}
			switch {
			case p.Cost > 0:
				it.Cost, it.CostSource = p.Cost, "policy"
			case a.Purchase != nil && a.Purchase.Cost > 0:
				it.Cost, it.CostSource = a.Purchase.Cost, "purchase"
			}
			place(it, due, false)
		}
		it := base
		it.Kind = "audit"
		last, err := time.Parse(time.DateOnly, a.LastAudit)
		never := a.LastAudit == "" || err != nil
		var due time.Time
		if never {
			rep.Never++
		} else {
			due = last.AddDate(0, 0, rep.AuditDays)
			it.Due = due.Format(time.DateOnly)
		}
		place(it, due, never)
	}
	for _, b := range months {
		rep.ByMonth = append(rep.ByMonth, *b)
	}
	for _, b := range quarters {
		rep.ByQuarter = append(rep.ByQuarter, *b)
	}
	for _, p := range policies {
		rep.Policies = append(rep.Policies, p)
	}
	sort.Slice(rep.Policies, func(i, j int) bool { return rep.Policies[i].Class < rep.Policies[j].Class })
	for c := range currencies {
		rep.Currency = append(rep.Currency, c)
	}
	sort.Strings(rep.Currency)
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if keys[a] != keys[b] {
			if keys[a] < keys[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(items[a].Asset, items[b].Asset)
	})
	rep.Items = make([]Item, len(items))
	for i, j := range order {
		rep.Items[i] = items[j]
	}
	return rep
}

// ParseHorizon reads a horizon: "12m" (months), "4q" (quarters), "2y"
// (years) or a bare number of months; 1 to 120 months.
func ParseHorizon(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty horizon")
	}
	unit := s[len(s)-1]
	num := s
	mult := 1
	switch unit {
	case 'm', 'M':
		num = s[:len(s)-1]
	case 'q', 'Q':
		num, mult = s[:len(s)-1], 3
	case 'y', 'Y':
		num, mult = s[:len(s)-1], 12
	}
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || fmt.Sprint(n) != num {
		return 0, fmt.Errorf("horizon %q is not a number of months, quarters or years (e.g. 12m, 4q, 2y)", s)
	}
	if n > 120 { // before multiplying: no overflow
		return 0, fmt.Errorf("horizon %q is out of range: 1 to 120 months", s)
	}
	n *= mult
	if n < 1 || n > 120 {
		return 0, fmt.Errorf("horizon %q is out of range: 1 to 120 months", s)
	}
	return n, nil
}

func quarter(t time.Time) string {
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
