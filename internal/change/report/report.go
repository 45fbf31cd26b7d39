package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// Marker is the hidden line that finds estate's comment on a pull request
// again, so it is edited rather than duplicated.
const Marker = "<!-- estate:change-plan -->"

// Context says what the plan compares, for the headings.
type Context struct {
	Base, Head string // revisions as named, with short hashes
	// PR fields, when the plan runs for a pull request (untrusted).
	Title, Branch, Author string
	Number                int
}

// Doc is a plan with its decision, as JSON shows it.
type Doc struct {
	Tool    string       `json:"tool"`
	Version string       `json:"version"`
	Base    string       `json:"base"`
	Head    string       `json:"head"`
	Plan    *change.Plan `json:"plan"`
	Gate    *change.Gate `json:"gate,omitempty"`
}

// JSON writes the plan (and gate) as indented JSON.
func JSON(w io.Writer, version string, c Context, p *change.Plan, g *change.Gate) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Doc{Tool: "change", Version: version, Base: c.Base, Head: c.Head, Plan: p, Gate: g})
}

// Text writes the plan for a terminal.
func Text(w io.Writer, c Context, p *change.Plan, g *change.Gate) error {
	fmt.Fprintf(w, "change plan %s → %s\n", clean(c.Base), clean(c.Head))
	fmt.Fprintf(w, "type %s, risk %s computed", clean(p.Type), clean(p.ComputedRisk))
	if p.DeclaredRisk != "" {
		fmt.Fprintf(w, " (%s declared)", clean(p.DeclaredRisk))
	}
	if p.Request != nil {
		fmt.Fprintf(w, ", change request %s (%s): %s", clean(p.Request.ID), p.RequestPath, clean(p.Request.Title))
	}
	if p.Standard != nil {
		fmt.Fprintf(w, ", standard change %s", clean(p.Standard.ID))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\nrecords: %s\n", countLine(p))
	for _, rc := range p.Records {
		fmt.Fprintf(w, "  %-8s %s %s%s\n", rc.Action, rc.Kind, clean(rc.ID), clean(textWhere(rc)))
		for _, f := range rc.Fields {
			fmt.Fprintf(w, "           %s: %s → %s\n", clean(f.Field), orNone(f.Old), orNone(f.New))
		}
	}
	for _, f := range p.OtherFiles {
		fmt.Fprintf(w, "  file     %s\n", clean(f))
	}
	fmt.Fprintf(w, "\nimpact: %s\n", clean(impactLine(p.Impact)))
	for _, b := range p.Impact.Baselines {
		fmt.Fprintf(w, "  baseline %s: %s\n", clean(b.Name), clean(baselineLine(b)))
	}
	if len(p.RiskReasons) > 0 {
		fmt.Fprintln(w, "\nrisk:")
		for _, r := range p.RiskReasons {
			fmt.Fprintf(w, "  %s\n", clean(r))
		}
	}
	if editsPolicy(p) {
		fmt.Fprintf(w, "\n%s\n", policyNote(p))
	}
	fmt.Fprintln(w, "\napprovals required:")
	if len(p.Approvals) == 0 {
		fmt.Fprintln(w, "  "+noApprovals(p))
	}
	for i, a := range p.Approvals {
		line := "  " + clean(reqLine(a))
		if g != nil && i < len(g.Approvals) {
			m := g.Approvals[i]
			line += fmt.Sprintf(": %d/%d", len(m.By), a.Count)
			if len(m.By) > 0 {
				line += " (" + clean(strings.Join(m.By, ", ")) + ")"
			}
		}
		fmt.Fprintln(w, line)
	}
	for _, fz := range p.Freeze {
		state := "blocks"
		if fz.Allowed {
			state = "allowed for " + p.Type
		}
		fmt.Fprintf(w, "\nfreeze window %s (%s – %s): %s; %s\n", clean(fz.Name), clean(fz.Start), clean(fz.End), clean(fz.Why), state)
	}
	if p.ReviewDue != "" {
		fmt.Fprintf(w, "post-implementation review due %s\n", clean(p.ReviewDue))
	}
	if len(p.Findings) > 0 {
		fmt.Fprintf(w, "\nfindings (%d):\n", len(p.Findings))
		for _, f := range p.Findings {
			fmt.Fprintf(w, "  %s: %s: %s [%s]\n", clean(f.Pos.String()), f.Severity, clean(f.Message), f.Rule)
			if f.Hint != "" {
				fmt.Fprintf(w, "      hint: %s\n", clean(f.Hint))
			}
		}
	}
	if p.PreExisting > 0 {
		fmt.Fprintf(w, "(%d findings already in the base are not listed; run estate validate)\n", p.PreExisting)
	}
	if g != nil {
		fmt.Fprintln(w)
		if g.Pass {
			fmt.Fprintln(w, "gate: PASS")
		} else {
			fmt.Fprintln(w, "gate: FAIL")
			for _, r := range g.Reasons {
				fmt.Fprintf(w, "  %s\n", clean(r))
			}
		}
		for _, r := range g.Ignored {
			fmt.Fprintf(w, "  not counted: %s\n", clean(r))
		}
	}
	return nil
}

// Markdown writes the plan for a pull-request comment or job summary,
// starting with Marker.
func Markdown(w io.Writer, c Context, p *change.Plan, g *change.Gate) error {
	esc := output.MarkdownCell
	code := func(s string) string { return "`" + output.CodeSpan(s) + "`" }
	fmt.Fprintln(w, Marker)
	title := "Change plan"
	if g != nil {
		if g.Pass {
			title = "✅ Change gate passed"
		} else {
			title = "❌ Change gate failed"
		}
	}
	fmt.Fprintf(w, "### %s\n\n", title)
	if c.Number > 0 {
		fmt.Fprintf(w, "Pull request \\#%d %s by %s, branch %s.\n\n", c.Number, esc(c.Title), esc(c.Author), code(c.Branch))
	}
	fmt.Fprintf(w, "%s → %s · type **%s** · computed risk **%s**", code(c.Base), code(c.Head), esc(p.Type), esc(p.ComputedRisk))
	if p.DeclaredRisk != "" {
		fmt.Fprintf(w, " (declared %s)", esc(p.DeclaredRisk))
	}
	if p.Request != nil {
		fmt.Fprintf(w, " · change request %s %s", code(p.Request.ID), esc(p.Request.Title))
	}
	if p.Standard != nil {
		fmt.Fprintf(w, " · standard change %s %s", code(p.Standard.ID), esc(p.Standard.Title))
	}
	fmt.Fprint(w, "\n\n")
	if g != nil && !g.Pass {
		fmt.Fprintln(w, "**Why it fails**")
		fmt.Fprintln(w)
		for _, r := range g.Reasons {
			fmt.Fprintf(w, "- %s\n", esc(r))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "**Records** (%s)\n\n", esc(countLine(p)))
	if len(p.Records) > 0 {
		fmt.Fprintln(w, "| Record | Change | Field | Old | New |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
		const maxRows = 200
		rows := 0
		for _, rc := range p.Records {
			what := esc(rc.Action)
			if rc.OldID != "" {
				what += " from " + code(rc.OldID)
			} else if rc.OldPath != "" {
				what += " from " + code(rc.OldPath)
			}
			if len(rc.Fields) == 0 {
				if rows < maxRows {
					fmt.Fprintf(w, "| %s %s | %s | | | |\n", esc(string(rc.Kind)), code(rc.ID), what)
				}
				rows++
			}
			for _, f := range rc.Fields {
				if rows < maxRows {
					fmt.Fprintf(w, "| %s %s | %s | %s | %s | %s |\n", esc(string(rc.Kind)), code(rc.ID), what, code(f.Field), cell(f.Old), cell(f.New))
				}
				rows++
			}
		}
		if rows > maxRows {
			fmt.Fprintf(w, "\n%d more rows; run `estate change plan` for all of them.\n", rows-maxRows)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "**Impact**: %s\n\n", esc(impactLine(p.Impact)))
	for _, b := range p.Impact.Baselines {
		fmt.Fprintf(w, "- baseline %s: %s\n", code(b.Name), esc(baselineLine(b)))
	}
	if len(p.Impact.Baselines) > 0 {
		fmt.Fprintln(w)
	}
	if len(p.RiskReasons) > 0 {
		fmt.Fprintln(w, "**Risk**")
		fmt.Fprintln(w)
		for _, r := range p.RiskReasons {
			fmt.Fprintf(w, "- %s\n", esc(r))
		}
		fmt.Fprintln(w)
	}
	if editsPolicy(p) {
		fmt.Fprintf(w, "%s\n\n", esc(policyNote(p)))
	}
	fmt.Fprintln(w, "**Approvals required**")
	fmt.Fprintln(w)
	if len(p.Approvals) == 0 {
		fmt.Fprintln(w, noApprovals(p))
	} else {
		fmt.Fprintln(w, "| Rule | Needs | From | Approved by |")
		fmt.Fprintln(w, "| --- | --- | --- | --- |")
		for i, a := range p.Approvals {
			from := "anyone but the author"
			var who []string
			for _, t := range append(append([]string{}, a.Teams...), a.Users...) {
				who = append(who, code(t))
			}
			if len(who) > 0 {
				from = strings.Join(who, ", ")
			}
			by := "–"
			if g != nil && i < len(g.Approvals) {
				var bs []string
				for _, u := range g.Approvals[i].By {
					bs = append(bs, code(u))
				}
				by = fmt.Sprintf("%d/%d", len(g.Approvals[i].By), a.Count)
				if len(bs) > 0 {
					by += " " + strings.Join(bs, ", ")
				}
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", esc(a.Rule), a.Count, from, by)
		}
	}
	fmt.Fprintln(w)
	if g != nil && len(g.Ignored) > 0 {
		fmt.Fprintln(w, "Reviews not counted:")
		fmt.Fprintln(w)
		for _, r := range g.Ignored {
			fmt.Fprintf(w, "- %s\n", esc(r))
		}
		fmt.Fprintln(w)
	}
	for _, fz := range p.Freeze {
		state := "blocks this change"
		if fz.Allowed {
			state = "allowed for a " + p.Type + " change"
		}
		fmt.Fprintf(w, "**Freeze window** %s (%s – %s): %s; %s.\n\n", esc(fz.Name), esc(fz.Start), esc(fz.End), esc(fz.Why), esc(state))
	}
	if p.ReviewDue != "" {
		fmt.Fprintf(w, "Post-implementation review due **%s**.\n\n", esc(p.ReviewDue))
	}
	if len(p.Findings) > 0 {
		fmt.Fprintf(w, "**Findings** (%d)\n\n", len(p.Findings))
		fmt.Fprintln(w, "| Where | Severity | Problem | Rule |")
		fmt.Fprintln(w, "| --- | --- | --- | --- |")
		for i, f := range p.Findings {
			if i == 100 {
				fmt.Fprintf(w, "\n%d more findings; run `estate change plan` for all of them.\n", len(p.Findings)-100)
				break
			}
			msg := f.Message
			if f.Hint != "" {
				msg += " — " + f.Hint
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", code(f.Pos.String()), f.Severity, esc(msg), esc(f.Rule))
		}
		fmt.Fprintln(w)
	}
	if p.PreExisting > 0 {
		fmt.Fprintf(w, "%d findings already in the base are not listed.\n", p.PreExisting)
	}
	return nil
}

// cell renders an untrusted value in a table cell: a code span, or a dash.
func cell(s string) string {
	if s == "" {
		return "–"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return "`" + output.CodeSpan(s) + "`"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return clean(s)
}

// clean makes untrusted text safe for a terminal: control characters
// (escape sequences, carriage returns, newlines) are shown escaped, as Go
// quotes them, so a record value cannot rewrite what the terminal shows.
// clean is output.TextSafe: the one way control characters are made
// visible in text.
func clean(s string) string { return output.TextSafe(s) }

func textWhere(rc change.RecordChange) string {
	switch {
	case rc.OldID != "":
		return fmt.Sprintf(" (was %s, %s)", rc.OldID, rc.Path)
	case rc.OldPath != "":
		return fmt.Sprintf(" (%s → %s)", rc.OldPath, rc.Path)
	}
	return " (" + rc.Path + ")"
}

func countLine(p *change.Plan) string {
	n := map[string]int{}
	for _, rc := range p.Records {
		n[rc.Action]++
	}
	var parts []string
	for _, a := range []string{change.ActionAdded, change.ActionRemoved, change.ActionRenamed, change.ActionMoved, change.ActionChanged} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[a], a))
		}
	}
	if len(parts) == 0 {
		return "no record changes"
	}
	return strings.Join(parts, ", ")
}

func impactLine(im change.Impact) string {
	if im.Devices == 0 {
		if !im.Known && len(im.Baselines) > 0 {
			return "not computed (assets not loaded)"
		}
		return "no deployed device is affected"
	}
	s := fmt.Sprintf("%d deployed device(s) in scope", im.Devices)
	if len(im.ByLocation) > 0 {
		s += fmt.Sprintf(", in %d location(s): %s", len(im.ByLocation), countMap(im.ByLocation))
	}
	if len(im.ByClass) > 0 {
		s += "; by class: " + countMap(im.ByClass)
	}
	if im.Audited {
		s += fmt.Sprintf("; from facts: %d become non-compliant, %d become compliant, %d without facts",
			len(im.NewlyFailing), len(im.NewlyPassing), im.NoFacts)
	}
	return s
}

func baselineLine(b change.BaselineImpact) string {
	var parts []string
	if len(b.Added) > 0 {
		parts = append(parts, "controls added "+strings.Join(b.Added, ", "))
	}
	if len(b.Removed) > 0 {
		parts = append(parts, "removed "+strings.Join(b.Removed, ", "))
	}
	if len(b.Changed) > 0 {
		parts = append(parts, "changed "+strings.Join(b.Changed, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "no control changed")
	}
	s := strings.Join(parts, "; ")
	if b.Indirect {
		s += " (through extends)"
	}
	if b.NewlyFailing > 0 {
		when := ""
		if b.FailingFrom != "" {
			when = " from " + b.FailingFrom
		}
		if b.GraceUntil != "" {
			when += " (in grace until " + b.GraceUntil + ")"
		}
		return fmt.Sprintf("%s: makes %d of %d deployed device(s) non-compliant%s, in %d location(s)", s, b.NewlyFailing, b.Devices, when, b.NewlyFailingLocations)
	}
	return fmt.Sprintf("%s; %d deployed device(s)", s, b.Devices)
}

func countMap(m map[string]int) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if m[ks[i]] != m[ks[j]] {
			return m[ks[i]] > m[ks[j]]
		}
		return ks[i] < ks[j]
	})
	var parts []string
	for i, k := range ks {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("%d more", len(ks)-8))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// Annotation is one check-run annotation: a finding at a YAML line.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	Level     string // notice, warning, failure
	Message   string
	Title     string
}

// Annotations turns the plan's findings into check-run annotations; those
// with no line are put on line 1 of their file.
func Annotations(p *change.Plan) []Annotation {
	var out []Annotation
	for _, f := range p.Findings {
		if f.Pos.File == "" {
			continue
		}
		line := f.Pos.Line
		if line == 0 {
			line = 1
		}
		lvl := "warning"
		switch {
		case f.Severity >= record.SevHigh:
			lvl = "failure"
		case f.Severity <= record.SevLow:
			lvl = "notice"
		}
		msg := f.Message
		if f.Hint != "" {
			msg += "\nhint: " + f.Hint
		}
		out = append(out, Annotation{Path: f.Pos.File, StartLine: line, EndLine: line, Level: lvl, Message: msg, Title: f.Rule})
	}
	return out
}

func reqLine(a change.Requirement) string {
	var from []string
	from = append(from, a.Teams...)
	from = append(from, a.Users...)
	who := "anyone but the author"
	if len(from) > 0 {
		who = strings.Join(from, " or ")
	}
	return fmt.Sprintf("%s: %d from %s", a.Rule, a.Count, who)
}

func editsPolicy(p *change.Plan) bool {
	for _, rc := range p.Records {
		if rc.Kind == record.KindChangePolicy {
			return true
		}
	}
	return false
}

func policyNote(p *change.Plan) string {
	if p.PolicyFrom == "head" {
		return "This change introduces the change policy; it is judged by it."
	}
	return "This change edits the change policy: it is judged by the policy in force (the base's); the new policy applies from the next change."
}

func noApprovals(p *change.Plan) string {
	if p.PolicyFrom == "none" {
		return "none: there is no change policy (policies/change-control.yaml)"
	}
	return "none: no rule of the change policy applies"
}
