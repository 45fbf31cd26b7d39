package change

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Review is one pull-request review as GitHub reports it.
type Review struct {
	User     string    // login
	State    string    // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID string    // the commit the review was made on
	At       time.Time // submitted_at
}

// GateInput is what the gate judges.
type GateInput struct {
	Plan    *Plan
	Author  string // the pull request's author (login)
	HeadSHA string // the pull request's head commit
	Reviews []Review
	// Member reports whether user belongs to team (written @org/team in
	// the policy). It is asked only for approvers of rules naming teams.
	Member func(team, user string) (bool, error)
}

// Gate is the decision.
type Gate struct {
	Pass bool `json:"pass"`
	// Reasons say why the gate fails (empty when it passes).
	Reasons []string `json:"reasons,omitempty"`
	// Approvals say, per requirement, who counted and how many are needed.
	Approvals []Met `json:"approvals"`
	// Ignored lists reviews that did not count, with why.
	Ignored []string `json:"ignored,omitempty"`
	// Approvers are the logins whose approval counted for any rule.
	Approvers []string `json:"approvers,omitempty"`
}

// Met is one requirement and the approvals that count for it.
type Met struct {
	Requirement
	By []string `json:"by"`
	OK bool     `json:"ok"`
}

// Counted is what a pull request's reviews amount to under the review
// rule (CountReviews).
type Counted struct {
	// Approvals are the approvals that count, one per reviewer, by login.
	Approvals []Review
	// ChangesRequested are the reviewers whose standing verdict is
	// "changes requested", by login.
	ChangesRequested []string
	// Ignored says which reviews did not count, and why.
	Ignored []string
}

// CountReviews applies the review rule, which the gate and the ledger
// share: only the latest deciding review of each reviewer counts
// (COMMENTED and PENDING reviews do not replace an earlier verdict; on
// equal times the later one in the list wins); a dismissed review counts
// for nothing; an approval of another commit than headSHA (the pull
// request's head: an approval before the latest push is stale) does not
// count; the author cannot approve their own change. With headSHA empty
// no approval is stale.
func CountReviews(reviews []Review, author, headSHA string) Counted {
	var c Counted
	latest := map[string]Review{}
	for _, r := range reviews {
		st := strings.ToUpper(r.State)
		if st == "COMMENTED" || st == "PENDING" || r.User == "" {
			continue
		}
		if prev, ok := latest[r.User]; !ok || !r.At.Before(prev.At) {
			r.State = st
			latest[r.User] = r
		}
	}
	for _, u := range sortedReviewers(latest) {
		r := latest[u]
		switch r.State {
		case "DISMISSED":
			c.Ignored = append(c.Ignored, u+": review dismissed")
		case "CHANGES_REQUESTED":
			c.ChangesRequested = append(c.ChangesRequested, u)
		case "APPROVED":
			switch {
			case strings.EqualFold(u, author):
				c.Ignored = append(c.Ignored, u+": the author cannot approve their own change")
			case headSHA != "" && r.CommitID != headSHA:
				c.Ignored = append(c.Ignored, fmt.Sprintf("%s: approved %s, before the latest push (%s)", u, orUnknown(short(r.CommitID)), short(headSHA)))
			default:
				c.Approvals = append(c.Approvals, r)
			}
		}
	}
	return c
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown commit"
	}
	return s
}

// Decide applies the decision table: the reviews count as CountReviews
// says; any standing "changes requested" blocks; every requirement of the
// plan needs its count of eligible approvals; and every error finding of
// the plan (validation, lifecycle, change request, risk, freeze) blocks.
// The error means membership could not be read: the gate has not run and
// must not be reported as passed.
func Decide(in GateInput) (*Gate, error) {
	g := &Gate{}
	rc := CountReviews(in.Reviews, in.Author, in.HeadSHA)
	for _, u := range rc.ChangesRequested {
		g.Reasons = append(g.Reasons, u+" requested changes")
	}
	g.Ignored = rc.Ignored
	var approvers []string
	for _, r := range rc.Approvals {
		approvers = append(approvers, r.User)
	}
	counted := map[string]bool{}
	for _, req := range in.Plan.Approvals {
		m := Met{Requirement: req}
		for _, u := range approvers {
			ok, err := eligible(req, u, in.Member)
			if err != nil {
				return nil, err
			}
			if ok {
				m.By = append(m.By, u)
				counted[u] = true
			}
		}
		m.OK = len(m.By) >= req.Count
		if !m.OK {
			who := "anyone but the author"
			var from []string
			from = append(from, req.Teams...)
			from = append(from, req.Users...)
			if len(from) > 0 {
				who = strings.Join(from, " or ")
			}
			g.Reasons = append(g.Reasons, fmt.Sprintf("%s: %d of %d approvals from %s", req.Rule, len(m.By), req.Count, who))
		}
		g.Approvals = append(g.Approvals, m)
	}
	for _, f := range in.Plan.Findings {
		if f.Severity >= record.SevHigh {
			g.Reasons = append(g.Reasons, "unresolved finding: "+f.Pos.String()+": "+f.Message)
		}
	}
	g.Approvers = keys(counted)
	g.Pass = len(g.Reasons) == 0
	return g, nil
}

func eligible(req Requirement, user string, member func(team, user string) (bool, error)) (bool, error) {
	if len(req.Teams) == 0 && len(req.Users) == 0 {
		return true, nil
	}
	for _, u := range req.Users {
		if strings.EqualFold(strings.TrimPrefix(u, "@"), user) {
			return true, nil
		}
	}
	for _, t := range req.Teams {
		if member == nil {
			return false, fmt.Errorf("check membership of %s: no way to read team membership", t)
		}
		ok, err := member(t, user)
		if err != nil {
			return false, fmt.Errorf("check membership of %s in %s: %w", user, t, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func sortedReviewers(m map[string]Review) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
