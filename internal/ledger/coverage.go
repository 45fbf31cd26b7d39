package ledger

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// MainCommit is one first-parent commit of the default branch, with what
// verification needs to know of it.
type MainCommit struct {
	Hash    string
	Subject string
	Author  string
	Time    time.Time // committer time
	// Policy is the change-control policy in force when the commit landed
	// (read from its first parent's tree); nil when there was none.
	Policy *record.ChangePolicy
	// Signature is the result of checking the commit's signature against
	// the allowed keys: "" (not checked), "valid", "unsigned" or "invalid".
	Signature    string
	SignatureErr string
}

// Signature check results.
const (
	SigValid    = "valid"
	SigUnsigned = "unsigned"
	SigInvalid  = "invalid"
)

// Requirement is one approval rule that applies to a change.
type Requirement struct {
	Rule  string
	Count int
	Users []string
	Teams []string
}

// Required returns the approval rules of policy that apply to entry e:
// every rule whose `when` matches (risk, type, classes, kinds, paths).
func Required(policy *record.ChangePolicy, e *Entry) []Requirement {
	if policy == nil {
		return nil
	}
	var out []Requirement
	for _, r := range policy.Approvals {
		if r.When != nil && !matches(r.When, e) {
			continue
		}
		out = append(out, Requirement{Rule: r.Name, Count: r.Count, Users: r.Users, Teams: r.Teams})
	}
	return out
}

func matches(s *record.Selector, e *Entry) bool {
	if len(s.Risk) > 0 && !slices.Contains(s.Risk, e.Risk) {
		return false
	}
	if len(s.Type) > 0 && !slices.Contains(s.Type, e.Type) {
		return false
	}
	any := func(ok func(a Affected) bool) bool {
		for _, a := range e.Records {
			if ok(a) {
				return true
			}
		}
		return false
	}
	if len(s.Classes) > 0 && !any(func(a Affected) bool { return slices.Contains(s.Classes, a.Class) }) {
		return false
	}
	if len(s.Kinds) > 0 && !any(func(a Affected) bool { return slices.Contains(s.Kinds, a.Kind) }) {
		return false
	}
	if len(s.Paths) > 0 && !any(func(a Affected) bool {
		for _, p := range s.Paths {
			if PathMatch(p, a.Path) || (a.From != "" && PathMatch(p, a.From)) {
				return true
			}
		}
		return false
	}) {
		return false
	}
	return true
}

// PathMatch matches a slash path against a pattern: path.Match, or a
// folder prefix when the pattern ends in "/" or "/**".
func PathMatch(pattern, p string) bool {
	if pre, ok := strings.CutSuffix(pattern, "**"); ok {
		return strings.HasPrefix(p, pre)
	}
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(p, pattern)
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// Approvals counts the approvals of e that satisfy req: distinct
// approvers other than the author, given at or before deadline, and in
// req.Users when the rule names users. (Team membership cannot be checked
// offline; an approval counts for a team rule.)
func Approvals(e *Entry, req Requirement, deadline time.Time) int {
	seen := map[string]bool{}
	for _, a := range e.Approvers {
		if a.By == "" || SamePerson(a.By, e.Author) || seen[strings.ToLower(a.By)] {
			continue
		}
		at, err := time.Parse(time.RFC3339, a.At)
		if err != nil || at.After(deadline) {
			continue
		}
		if len(req.Users) > 0 && !slices.ContainsFunc(req.Users, func(u string) bool { return SamePerson(u, a.By) }) {
			continue
		}
		seen[strings.ToLower(a.By)] = true
	}
	return len(seen)
}

// CoverageOptions tune Coverage.
type CoverageOptions struct {
	Branch        string    // the default branch's name, for messages
	RequireSigned bool      // every commit must carry a valid signature
	Now           time.Time // judges whether an emergency review is overdue
}

// Coverage checks that every commit of commits (the first-parent history
// of the default branch since the ledger began) is covered by a
// change-implemented entry with the approvals the policy in force
// required, and (RequireSigned) that each is signed by an allowed key.
func Coverage(entries []*Entry, commits []MainCommit, o CoverageOptions) []record.Finding {
	byMerge := map[string]*Entry{}
	for _, e := range entries {
		if e.Kind == KindChangeImplemented && e.Merge() != "" {
			if _, ok := byMerge[e.Merge()]; !ok {
				byMerge[e.Merge()] = e
			}
		}
	}
	where := o.Branch
	if where == "" {
		where = "the default branch"
	}
	var out []record.Finding
	for _, c := range commits {
		pos := record.Pos{File: where}
		name := fmt.Sprintf("commit %s %q", c.Hash[:min(12, len(c.Hash))], c.Subject)
		if o.RequireSigned {
			switch c.Signature {
			case SigValid:
			case SigUnsigned:
				out = append(out, record.Finding{Pos: pos, Rule: RuleSigned, Severity: record.SevHigh, Record: c.Hash,
					Message: fmt.Sprintf("%s by %s is not signed", name, c.Author),
					Hint:    "sign commits (git commit -S) or merge through GitHub, and list the signing keys in --allowed-keys"})
			default:
				out = append(out, record.Finding{Pos: pos, Rule: RuleSigned, Severity: record.SevHigh, Record: c.Hash,
					Message: fmt.Sprintf("%s by %s has no valid signature from an allowed key: %s", name, c.Author, c.SignatureErr)})
			}
		}
		e, ok := byMerge[c.Hash]
		if !ok {
			out = append(out, record.Finding{Pos: pos, Rule: RuleCoverage, Severity: record.SevHigh, Record: c.Hash,
				Message: fmt.Sprintf("%s by %s at %s bypassed change control: no ledger entry records it", name, c.Author, FormatTime(c.Time)),
				Hint:    "changes reach the default branch through an approved pull request; record a legitimate one with `estate ledger record`"})
			continue
		}
		merged := c.Time
		for _, req := range Required(c.Policy, e) {
			deadline := merged
			emergency := e.Type == "emergency" && c.Policy.Emergency != nil
			if emergency {
				deadline = merged.AddDate(0, 0, c.Policy.Emergency.ReviewWithinDays)
			}
			got := Approvals(e, req, deadline)
			if got >= req.Count {
				continue
			}
			f := record.Finding{Pos: pos, Rule: RuleApprovals, Severity: record.SevHigh, Record: fmt.Sprintf("entry %d", e.Seq),
				Message: fmt.Sprintf("%s (entry %d%s) had %d of the %d approvals rule %q required", name, e.Seq, prText(e.PR), got, req.Count, req.Rule)}
			if emergency {
				f.Rule = RuleReview
				if !o.Now.IsZero() && o.Now.Before(deadline) {
					f.Severity = record.SevInfo
					f.Message = fmt.Sprintf("emergency %s (entry %d%s) awaits its review: %d of %d approvals, due %s", name, e.Seq, prText(e.PR), got, req.Count, FormatTime(deadline))
				} else {
					f.Message = fmt.Sprintf("emergency %s (entry %d%s) was not reviewed in time: %d of %d approvals by %s", name, e.Seq, prText(e.PR), got, req.Count, FormatTime(deadline))
				}
			}
			out = append(out, f)
		}
	}
	return out
}

func prText(pr int) string {
	if pr == 0 {
		return ""
	}
	return fmt.Sprintf(", PR #%d", pr)
}

// Unverified returns the change-implemented entries that no
// change-verified entry closes yet, oldest first.
func Unverified(entries []*Entry) []*Entry {
	done := map[int64]bool{}
	for _, e := range entries {
		if e.Kind == KindChangeVerified {
			for _, s := range e.Verifies {
				done[s] = true
			}
		}
	}
	var out []*Entry
	for _, e := range entries {
		if e.Kind == KindChangeImplemented && !done[e.Seq] {
			out = append(out, e)
		}
	}
	return out
}

// VerifiedBy reports whether an audit at time at, in which the records
// of failing had findings, verifies change c: the change came before the
// audit, and the assets it concerns are at least one and none has a
// finding. A change concerns the assets it left in place, and for each
// baseline it left in place the devices the audit judged against it
// (judgedUnder: those whose baseline is it or extends it). A change of
// other records only, or of a baseline no judged device follows, is
// never verified: nothing was checked.
func VerifiedBy(c *Entry, at time.Time, failing map[string]bool, judgedUnder func(baseline string) []string) bool {
	if c.When().After(at) {
		return false
	}
	assets := 0
	for _, r := range c.Records {
		if r.Action == "removed" {
			continue
		}
		var ids []string
		switch r.Kind {
		case string(record.KindAsset):
			ids = []string{r.ID}
		case string(record.KindBaseline):
			if judgedUnder != nil {
				ids = judgedUnder(r.ID)
			}
		}
		for _, id := range ids {
			assets++
			if failing[id] {
				return false
			}
		}
	}
	return assets > 0
}

// SamePerson reports whether two identities name one person: equal but
// for case, or a login equal to an email's local part (git records
// emails, GitHub logins).
func SamePerson(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if strings.EqualFold(a, b) {
		return true
	}
	la, _, okA := strings.Cut(a, "@")
	lb, _, okB := strings.Cut(b, "@")
	return okA != okB && ((okA && strings.EqualFold(la, b)) || (okB && strings.EqualFold(lb, a)))
}
