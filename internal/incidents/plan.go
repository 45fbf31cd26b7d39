package incidents

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Label marks every issue estate keeps; SeverityPrefix starts the label
// of an incident's highest severity.
const (
	Label          = "estate:incident"
	SeverityPrefix = "severity:"
	// DefaultMaxNew bounds the issues one sync creates.
	DefaultMaxNew = 50
	// trackingFP is the fingerprint of the tracking issue.
	trackingFP = "tracking"
)

// Rules are the audit rules that open incidents: a failing control, and
// the physical audit's comparisons of a device with its record.
var Rules = []string{"audit/control", "audit/missing", "audit/serial", "audit/hostname", "audit/model", "audit/owner", "audit/status"}

// Config says how findings become incidents.
type Config struct {
	// Group is "device" (default) or "control".
	Group string
	// SLA is how long an incident of each severity may stay open.
	SLA map[record.Severity]time.Duration
	// Assignees maps an owner's email to a GitHub login (estate.yaml's
	// incidents.assignees). People does too, from Person records, and
	// comes first.
	Assignees, People map[string]string
	// BaselineOwners are each asset's baseline's owner (by asset id): the
	// assignee when the asset's owner has no GitHub login.
	BaselineOwners map[string]string
	// MaxNew bounds the incidents created (0 = DefaultMaxNew); the rest
	// are counted in the tracking issue.
	MaxNew int
	// At is when the audit ran.
	At time.Time
	// AuditSeq is the ledger's audit entry of the report (0: none yet).
	AuditSeq int64
}

// Issue is an issue estate opened before (the caller has checked its
// author).
type Issue struct {
	Number int
	Title  string
	Body   string
	State  string // open or closed
	Labels []string
}

// Action is what a call does.
type Action string

// The actions.
const (
	Create Action = "create"
	Edit   Action = "edit"
	Close  Action = "close"
	Reopen Action = "reopen"
)

// Call is one change to GitHub.
type Call struct {
	Action      Action
	Number      int // the issue; 0 for Create
	Fingerprint string
	Title       string
	Body        string
	Labels      []string // the issue's whole set of labels
	Assignees   []string // Create only
	Comment     string   // Close and Reopen
	Records     []string // the assets concerned
	Controls    []string // the failing controls (rules for the physical audit)
	Repeat      int      // how many times the incident was reopened
	Severity    record.Severity
	Due         string // the SLA's day (YYYY-MM-DD), or ""
	Tracking    bool   // the tracking issue, not an incident
}

func (c Call) String() string {
	var b strings.Builder
	if c.Number == 0 {
		fmt.Fprintf(&b, "%s issue %q", c.Action, c.Title)
	} else {
		fmt.Fprintf(&b, "%s issue #%d %q", c.Action, c.Number, c.Title)
	}
	if len(c.Labels) > 0 && c.Action != Close {
		fmt.Fprintf(&b, " labels %s", strings.Join(c.Labels, ","))
	}
	if len(c.Assignees) > 0 {
		fmt.Fprintf(&b, " assignees %s", strings.Join(c.Assignees, ","))
	}
	if c.Comment != "" {
		fmt.Fprintf(&b, " comment %q", c.Comment)
	}
	return b.String()
}

// Plan is the calls one sync makes, in order.
type Plan struct {
	Calls []Call
	// Deferred counts the incidents not created for MaxNew.
	Deferred int
	// Unchanged counts open incidents that needed no call.
	Unchanged int
}

// Count returns how many calls do action (tracking issue included).
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Calls {
		if c.Action == a {
			n++
		}
	}
	return n
}

// group is the findings of one incident.
type group struct {
	fp       string
	findings []record.Finding
	sev      record.Severity
}

// Relevant reports whether a finding opens an incident.
func Relevant(f record.Finding) bool {
	return f.Record != "" && slices.Contains(Rules, f.Rule)
}

// fingerprint is what an incident of f is about: its device, or its
// rule and control.
func fingerprint(f record.Finding, by string) string {
	if by == "control" {
		if f.Control != "" {
			return "control/" + f.Rule + "/" + f.Control
		}
		return "control/" + f.Rule
	}
	return "device/" + f.Record
}

// Make works out the calls that bring the issues in line with findings.
// existing are the issues the token's own identity wrote that carry
// Label; the rest of the findings are ignored unless Relevant.
func Make(findings []record.Finding, existing []Issue, cfg Config) Plan {
	maxNew := cmp.Or(cfg.MaxNew, DefaultMaxNew)
	groups := map[string]*group{}
	for _, f := range findings {
		if !Relevant(f) {
			continue
		}
		fp := fingerprint(f, cfg.Group)
		g := groups[fp]
		if g == nil {
			g = &group{fp: fp}
			groups[fp] = g
		}
		g.findings = append(g.findings, f)
		g.sev = max(g.sev, f.Severity)
	}
	// One issue per fingerprint: an open one before a closed one, the
	// oldest first.
	byFP := map[string]*Issue{}
	var marks = map[int]marker{}
	for i := range existing {
		is := &existing[i]
		m, ok := parseMarker(is.Body)
		if !ok {
			continue
		}
		marks[is.Number] = m
		if old := byFP[m.fp]; old == nil || (old.State != "open" && is.State == "open") ||
			(old.State == is.State && is.Number < old.Number) {
			byFP[m.fp] = is
		}
	}
	order := make([]*group, 0, len(groups))
	for _, g := range groups {
		order = append(order, g)
	}
	slices.SortFunc(order, func(a, b *group) int {
		return cmp.Or(cmp.Compare(b.sev, a.sev), strings.Compare(a.fp, b.fp))
	})
	var p Plan
	created := 0
	for _, g := range order {
		is := byFP[g.fp]
		if is == nil {
			if created >= maxNew {
				p.Deferred++
				continue
			}
			created++
			c := render(g, nil, marker{fp: g.fp, due: due(cfg, g.sev, cfg.At)}, cfg)
			c.Action = Create
			c.Assignees = assignees(g, cfg)
			p.Calls = append(p.Calls, c)
			continue
		}
		m := marks[is.Number]
		if is.State != "open" {
			m.repeat++
			m.due = due(cfg, g.sev, cfg.At)
			c := render(g, is, m, cfg)
			c.Action, c.Number = Reopen, is.Number
			c.Comment = fmt.Sprintf("Failing again in the audit of %s (reopened %s).", day(cfg.At), times(m.repeat))
			p.Calls = append(p.Calls, c)
			continue
		}
		if m.due == "" {
			m.due = due(cfg, g.sev, cfg.At)
		}
		c := render(g, is, m, cfg)
		if c.Body == is.Body && sameLabels(c.Labels, is.Labels) {
			p.Unchanged++
			continue
		}
		c.Action, c.Number = Edit, is.Number
		p.Calls = append(p.Calls, c)
	}
	// Open incidents whose findings all pass are closed, every item ticked.
	var fixed []*Issue
	for fp, is := range byFP {
		if fp != trackingFP && groups[fp] == nil && is.State == "open" {
			fixed = append(fixed, is)
		}
	}
	slices.SortFunc(fixed, func(a, b *Issue) int { return cmp.Compare(a.Number, b.Number) })
	for _, is := range fixed {
		m := marks[is.Number]
		c := render(&group{fp: m.fp}, is, m, cfg)
		c.Action, c.Number = Close, is.Number
		c.Labels = is.Labels
		c.Comment = verified(cfg)
		p.Calls = append(p.Calls, c)
	}
	if c, ok := tracking(byFP[trackingFP], p.Deferred, maxNew, cfg); ok {
		p.Calls = append(p.Calls, c)
	}
	return p
}

// tracking is the call that keeps the tracking issue's count right, if
// one is needed.
func tracking(is *Issue, deferred, maxNew int, cfg Config) (Call, bool) {
	c := Call{Fingerprint: trackingFP, Tracking: true, Title: "estate incidents: more failing devices than one sync opens",
		Labels: []string{Label}}
	c.Body = fmt.Sprintf("%s\n%d more incidents were found than one sync opens (--max-new %d).\n"+
		"Each sync opens the most severe of them; this issue closes when all are open.\n", marker{fp: trackingFP}.String(), deferred, maxNew)
	switch {
	case is == nil && deferred > 0:
		c.Action = Create
	case is == nil:
		return c, false
	case deferred == 0 && is.State == "open":
		c.Action, c.Number, c.Body, c.Labels = Close, is.Number, is.Body, is.Labels
		c.Comment = "Every incident of the audit of " + day(cfg.At) + " is open."
	case deferred == 0:
		return c, false
	case is.State != "open":
		c.Action, c.Number = Reopen, is.Number
	case is.Body == c.Body:
		return c, false
	default:
		c.Action, c.Number = Edit, is.Number
	}
	if c.Number != 0 {
		c.Labels = labels(is.Labels, c.Labels)
	}
	return c, true
}

// verified is the comment that closes a fixed incident.
func verified(cfg Config) string {
	if cfg.AuditSeq == 0 {
		return "Verified fixed by the audit of " + day(cfg.At) + " (not in the ledger yet: estate ledger record-audit records it)."
	}
	return fmt.Sprintf("Verified fixed by the audit of %s (ledger entry %d).", day(cfg.At), cfg.AuditSeq)
}

// due is the day an incident of sev opened at at is due, or "".
func due(cfg Config, sev record.Severity, at time.Time) string {
	d, ok := cfg.SLA[sev]
	if !ok {
		return ""
	}
	return day(at.Add(d))
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func assignees(g *group, cfg Config) []string {
	var out []string
	login := func(owner string) string { return cmp.Or(cfg.People[owner], cfg.Assignees[owner]) }
	for _, f := range g.findings {
		l := cmp.Or(login(f.Owner), login(cfg.BaselineOwners[f.Record]))
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	if len(out) > 10 { // GitHub takes 10 assignees
		out = out[:10]
	}
	return out
}

// labels keeps have's labels that are not estate's and adds want.
func labels(have, want []string) []string {
	var out []string
	for _, l := range have {
		if l != Label && !strings.HasPrefix(l, SeverityPrefix) {
			out = append(out, l)
		}
	}
	return append(out, want...)
}

func sameLabels(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// ParseDuration reads an SLA: a whole number of hours, days or weeks
// ("36h", "3d", "2w").
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("read SLA %q: want a number of h, d or w, e.g. 3d", s)
	}
	var n int
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != s[:len(s)-1] {
		return 0, fmt.Errorf("read SLA %q: want a number of h, d or w, e.g. 3d", s)
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("read SLA %q: want a number of h, d or w, e.g. 3d", s)
	}
	return time.Duration(n) * unit, nil
}
