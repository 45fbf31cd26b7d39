package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// Service is the service view of the incidents, from the ledger's
// incident-opened, incident-closed and incident-reopened entries up to the
// report's moment.
type Service struct {
	Opened   int `json:"incidents_opened"`   // incidents ever opened
	Open     int `json:"incidents_open"`     // open as of the report
	Resolved int `json:"resolutions"`        // closings (an incident may close more than once)
	Reopened int `json:"incidents_reopened"` // incidents reopened at least once
	// RepeatRate is Reopened as a share of Opened, 0–100.
	RepeatRate float64 `json:"repeat_rate"`
	// OpenBySeverity and OpenByAge count the open incidents; ages are
	// 0-7d, 8-30d, 31-90d, over-90d (from the last open or reopen).
	OpenBySeverity map[string]int `json:"open_by_severity"`
	OpenByAge      map[string]int `json:"open_by_age"`
	// Breaches are the open incidents past their SLA's due day.
	Breaches []Incident `json:"sla_breaches"`
	// MTTR is the mean time to resolve, in hours, per control and per
	// team (the asset owner when it is a team, else its baseline's owner).
	MTTRByControl []MTTR `json:"mttr_by_control"`
	MTTRByTeam    []MTTR `json:"mttr_by_team"`
	// TopProblems are the Problem records that are not resolved, by the
	// incidents they explain.
	TopProblems []ProblemRow `json:"top_problems"`
}

// Incident is one open incident.
type Incident struct {
	Issue       int      `json:"issue"`
	Fingerprint string   `json:"fingerprint"`
	Severity    string   `json:"severity,omitempty"`
	Opened      string   `json:"opened"` // its last open or reopen
	Due         string   `json:"due,omitempty"`
	DaysOver    int      `json:"days_over,omitempty"`
	Records     []string `json:"records,omitempty"`
}

// MTTR is the mean time to resolve of one control or team.
type MTTR struct {
	Key      string  `json:"key"`
	Resolved int     `json:"resolved"`
	Hours    float64 `json:"mean_hours"`
}

// ProblemRow is one Problem record and the incidents it names.
type ProblemRow struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	Control   string `json:"control"`
	Incidents int    `json:"incidents"`
}

// MaxTopProblems bounds Service.TopProblems.
const MaxTopProblems = 10

// ageBuckets are the open incidents' ages, in days.
var ageBuckets = []struct {
	name string
	max  int
}{{"0-7d", 7}, {"8-30d", 30}, {"31-90d", 90}, {"over-90d", math.MaxInt}}

type incState struct {
	open     bool
	since    time.Time
	inc      *ledger.Incident // the last open or reopen
	reopened bool
}

func service(est *record.Estate, upto []*ledger.Entry, asOf time.Time) Service {
	s := Service{OpenBySeverity: map[string]int{}, OpenByAge: map[string]int{}, Breaches: []Incident{},
		MTTRByControl: []MTTR{}, MTTRByTeam: []MTTR{}, TopProblems: []ProblemRow{}}
	byIssue := map[int]*incState{}
	var order []int
	type sum struct {
		n     int
		hours float64
	}
	ctl, team := map[string]*sum{}, map[string]*sum{}
	add := func(m map[string]*sum, k string, h float64) {
		if m[k] == nil {
			m[k] = &sum{}
		}
		m[k].n++
		m[k].hours += h
	}
	for _, e := range upto {
		in := e.Incident
		if in == nil {
			continue
		}
		st := byIssue[in.Issue]
		switch e.Kind {
		case ledger.KindIncidentOpened, ledger.KindIncidentReopened:
			if st == nil {
				st = &incState{}
				byIssue[in.Issue] = st
				order = append(order, in.Issue)
				s.Opened++
			}
			if e.Kind == ledger.KindIncidentReopened && !st.reopened {
				st.reopened = true
				s.Reopened++
			}
			st.open, st.since, st.inc = true, e.When(), in
		case ledger.KindIncidentClosed:
			if st == nil || !st.open {
				continue
			}
			st.open = false
			s.Resolved++
			h := e.When().Sub(st.since).Hours()
			for _, c := range controlsOf(st.inc) {
				add(ctl, c, h)
			}
			for _, t := range teamsOf(est, st.inc) {
				add(team, t, h)
			}
		}
	}
	s.RepeatRate = record.Percent(s.Reopened, s.Opened)
	day := asOf.UTC().Format(time.DateOnly)
	for _, n := range order {
		st := byIssue[n]
		if !st.open {
			continue
		}
		s.Open++
		s.OpenBySeverity[cmp.Or(st.inc.Severity, "(none)")]++
		age := int(asOf.Sub(st.since).Hours() / 24)
		for _, b := range ageBuckets {
			if age <= b.max {
				s.OpenByAge[b.name]++
				break
			}
		}
		if due := st.inc.Due; due != "" && due < day {
			d, _ := time.Parse(time.DateOnly, due)
			s.Breaches = append(s.Breaches, Incident{Issue: n, Fingerprint: st.inc.Fingerprint, Severity: st.inc.Severity,
				Opened: ledger.FormatTime(st.since), Due: due, DaysOver: int(asOf.Sub(d).Hours() / 24), Records: st.inc.Records})
		}
	}
	slices.SortStableFunc(s.Breaches, func(a, b Incident) int { return cmp.Compare(b.DaysOver, a.DaysOver) })
	for _, m := range []struct {
		from map[string]*sum
		to   *[]MTTR
	}{{ctl, &s.MTTRByControl}, {team, &s.MTTRByTeam}} {
		for k, v := range m.from {
			*m.to = append(*m.to, MTTR{Key: k, Resolved: v.n, Hours: math.Round(10*v.hours/float64(v.n)) / 10})
		}
		slices.SortFunc(*m.to, func(a, b MTTR) int { return cmp.Or(cmp.Compare(b.Hours, a.Hours), strings.Compare(a.Key, b.Key)) })
	}
	if est != nil {
		for _, p := range est.Problems {
			if p.Status != record.ProblemResolved {
				s.TopProblems = append(s.TopProblems, ProblemRow{ID: p.ID, Title: p.Title, Status: p.Status, Control: p.Match.Control, Incidents: len(p.Incidents)})
			}
		}
		slices.SortFunc(s.TopProblems, func(a, b ProblemRow) int {
			return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), strings.Compare(a.ID, b.ID))
		})
		s.TopProblems = s.TopProblems[:min(len(s.TopProblems), MaxTopProblems)]
	}
	return s
}

// controlsOf are the control ids of an incident entry.
func controlsOf(in *ledger.Incident) []string {
	var out []string
	for _, c := range in.Controls {
		out = append(out, strings.TrimPrefix(c, "audit/control/"))
	}
	if len(out) == 0 {
		out = []string{"(none)"}
	}
	return out
}

// teamsOf are the teams of an incident's records: the asset's owner when
// it is a team (@org/team), else its baseline's owner, else "(none)".
func teamsOf(est *record.Estate, in *ledger.Incident) []string {
	var out []string
	for _, id := range in.Records {
		t := "(none)"
		if est != nil {
			if a := est.Assets[id]; a != nil {
				if p := est.People[est.Accountable(a)]; p != nil && p.Team != "" {
					t = p.Team
				} else if strings.HasPrefix(a.Owner, "@") {
					t = a.Owner
				} else if b := est.Baselines[a.Baseline]; b != nil && b.Owner != "" {
					t = b.Owner
				}
			}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = []string{"(none)"}
	}
	return out
}
