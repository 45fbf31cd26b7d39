package incidents

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// marker is the hidden first line of an incident's body: its
// fingerprint, how many times it was reopened and when it is due.
type marker struct {
	fp     string
	repeat int
	due    string // YYYY-MM-DD or ""
}

const markerPrefix = "<!-- estate-incident "

func (m marker) String() string {
	s := markerPrefix + "fp=" + url.PathEscape(m.fp) + " repeat=" + strconv.Itoa(m.repeat)
	if m.due != "" {
		s += " due=" + m.due
	}
	return s + " -->"
}

var (
	reMarker = regexp.MustCompile(`(?m)^<!-- estate-incident fp=([^ ]+) repeat=([0-9]{1,6})(?: due=([0-9]{4}-[0-9]{2}-[0-9]{2}))? -->$`)
	reItem   = regexp.MustCompile(`(?m)^- \[([ x])\] (.*) <!-- item:([0-9a-f]{16}) -->$`)
)

// checklist is reItem's matches in body, line by line: only the lines
// that can be items go through the expression (a plan reads 5,000 bodies).
func checklist(body string) [][]string {
	var out [][]string
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if !strings.HasPrefix(line, "- [") || !strings.HasSuffix(line, " -->") {
			continue
		}
		if m := reItem.FindStringSubmatch(line); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// parseMarker reads the marker of body.
func parseMarker(body string) (marker, bool) {
	// The marker is the body's first line, and only there.
	first, _, _ := strings.Cut(body, "\n")
	m := reMarker.FindStringSubmatch(strings.TrimSuffix(first, "\r"))
	if m == nil {
		return marker{}, false
	}
	fp, err := url.PathUnescape(m[1])
	if err != nil || fp == "" {
		return marker{}, false
	}
	n, _ := strconv.Atoi(m[2])
	return marker{fp: fp, repeat: n, due: m[3]}, true
}

// item is one line of an incident's checklist.
type item struct {
	key, text string
}

func itemOf(f record.Finding, by string) item {
	s := sha256.Sum256([]byte(f.Rule + "\x00" + f.Record + "\x00" + f.Control + "\x00" + f.Field))
	var text string
	if by == "control" {
		text = "`" + output.CodeSpan(f.Record) + "`"
		if f.Field != "" && f.Control == "" {
			text += " " + output.MarkdownCell(f.Field)
		}
	} else {
		text = "`" + output.CodeSpan(f.Rule) + "`"
		if what := cmp.Or(f.Control, f.Field); what != "" {
			text += " `" + output.CodeSpan(what) + "`"
		}
	}
	return item{key: hex.EncodeToString(s[:8]), text: text}
}

// render is the title, body and labels of g's incident; old is the issue
// as it stands (nil for a new one): its checklist items that no longer
// fail are kept, ticked. A group without findings is old closed: every
// item ticked, the rest of the body unchanged.
func render(g *group, old *Issue, m marker, cfg Config) Call {
	c := Call{Fingerprint: g.fp, Repeat: m.repeat, Severity: g.sev, Due: m.due}
	if kind, rest, _ := strings.Cut(g.fp, "/"); kind == "device" {
		c.Records = []string{rest}
	} else {
		c.Controls = []string{rest}
	}
	if len(g.findings) == 0 {
		c.Title = old.Title
		c.Body = reItem.ReplaceAllString(old.Body, "- [x] $2 <!-- item:$3 -->")
		return c
	}
	slices.SortFunc(g.findings, func(a, b record.Finding) int {
		return cmp.Or(strings.Compare(a.Record, b.Record), strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Control, b.Control), strings.Compare(a.Field, b.Field))
	})
	var b strings.Builder
	b.WriteString(m.String() + "\n")
	first := g.findings[0]
	if cfg.Group == "control" {
		what := cmp.Or(first.Control, first.Rule)
		c.Title = "estate incident: " + output.TextSafe(what) + " fails"
		fmt.Fprintf(&b, "## Control `%s` (`%s`) fails\n\n", output.CodeSpan(what), output.CodeSpan(first.Rule))
	} else {
		c.Title = "estate incident: " + output.TextSafe(first.Record)
		fmt.Fprintf(&b, "## Asset `%s` fails the audit\n\n", output.CodeSpan(first.Record))
		fmt.Fprintf(&b, "Record: `%s`", output.CodeSpan(first.Pos.File))
		if first.Owner != "" {
			fmt.Fprintf(&b, " · owner: %s", output.MarkdownCell(first.Owner))
		}
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "Severity: **%s**", g.sev)
	if m.due != "" {
		fmt.Fprintf(&b, " · due: **%s**", m.due)
	}
	if m.repeat > 0 {
		fmt.Fprintf(&b, " · reopened %s", times(m.repeat))
	}
	b.WriteString("\n\n### Failing\n\n| asset | rule | control | expected | observed | evidence | record |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	seen := map[string]bool{}
	var items []item
	for _, f := range g.findings {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s | `%s` |\n", output.CodeSpan(f.Record), output.CodeSpan(f.Rule),
			output.MarkdownCell(cmp.Or(f.Control, f.Field)), output.MarkdownCell(f.Expected), output.MarkdownCell(f.Observed),
			output.MarkdownCell(f.Evidence), output.CodeSpan(f.Pos.File))
		if it := itemOf(f, cfg.Group); !seen[it.key] {
			seen[it.key] = true
			items = append(items, it)
		}
	}
	// In grace (the control's or baseline's grace, from the audit): the
	// day each such failure starts to count. Only these: a failing
	// since or an age would change the body, and edit the issue, daily.
	var grace []string
	for _, f := range g.findings {
		if f.State == record.StateInGrace && f.GraceUntil != "" {
			grace = append(grace, fmt.Sprintf("- `%s` `%s`: in grace until **%s** (failing since %s)", output.CodeSpan(f.Record),
				output.CodeSpan(cmp.Or(f.Control, f.Field)), output.MarkdownCell(f.GraceUntil), output.MarkdownCell(f.FailingSince)))
		}
	}
	if len(grace) > 0 {
		slices.Sort(grace)
		b.WriteString("\n### In grace\n\n" + strings.Join(slices.Compact(grace), "\n") + "\n")
	}
	var known []string
	for _, f := range g.findings {
		if f.Problem != "" && !slices.Contains(known, f.Problem) {
			known = append(known, f.Problem)
		}
	}
	if len(known) > 0 {
		slices.Sort(known)
		b.WriteString("\n### Known errors\n\n")
		for _, id := range known {
			fmt.Fprintf(&b, "- `%s`: see `problems/%s.yaml` for its cause and workaround\n", output.CodeSpan(id), output.CodeSpan(id))
		}
	}
	b.WriteString("\n### Checklist\n\n")
	for _, it := range items {
		fmt.Fprintf(&b, "- [ ] %s <!-- item:%s -->\n", it.text, it.key)
	}
	if old != nil {
		for _, m := range checklist(old.Body) {
			if !seen[m[3]] {
				seen[m[3]] = true
				fmt.Fprintf(&b, "- [x] %s <!-- item:%s -->\n", m[2], m[3])
			}
		}
	}
	b.WriteString("\n### Fixing it, or asking for an exemption\n\n" +
		"Fix the device; the next audit ticks each control that passes and closes this issue when all do. " +
		"If a control cannot be met, request an exemption: in a pull request that also adds a change request " +
		"(`estate change new`), add to the record's `exemptions:` an entry with `control`, `reason`, `change` " +
		"(the change request's id) and `expires`. Do not edit this issue's checklist: estate rewrites it.\n")
	c.Body = b.String()
	c.Labels = []string{Label, SeverityPrefix + g.sev.String()}
	if old != nil {
		c.Labels = labels(old.Labels, c.Labels)
	}
	for _, f := range g.findings {
		if cfg.Group == "control" {
			if !slices.Contains(c.Records, f.Record) {
				c.Records = append(c.Records, f.Record)
			}
		} else if what := cmp.Or(f.Control, f.Rule); !slices.Contains(c.Controls, what) {
			c.Controls = append(c.Controls, what)
		}
	}
	return c
}
