package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/output"
)

func ageCounts(m map[string]int) string {
	var parts []string
	for _, b := range ageBuckets {
		if n := m[b.name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", b.name, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func mttrText(rows []MTTR) string {
	var parts []string
	for _, m := range rows {
		parts = append(parts, fmt.Sprintf("%s %.1fh (%d)", m.Key, m.Hours, m.Resolved))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func writeServiceText(w io.Writer, s Service) {
	ts := output.TextSafe
	fmt.Fprintf(w, "\nIncidents: %d open of %d opened, %d resolutions; repeat rate %.1f%% (%d reopened)\n", s.Open, s.Opened, s.Resolved, s.RepeatRate, s.Reopened)
	fmt.Fprintf(w, "  open by severity: %s\n", ts(counts(s.OpenBySeverity)))
	fmt.Fprintf(w, "  open by age:      %s\n", ageCounts(s.OpenByAge))
	fmt.Fprintf(w, "  MTTR by control:  %s\n", ts(mttrText(s.MTTRByControl)))
	fmt.Fprintf(w, "  MTTR by team:     %s\n", ts(mttrText(s.MTTRByTeam)))
	fmt.Fprintf(w, "\nSLA breaches: %d\n", len(s.Breaches))
	for _, b := range s.Breaches {
		fmt.Fprintf(w, "  #%d  %s  %s  due %s (%d days over)\n", b.Issue, ts(b.Fingerprint), dash(b.Severity), b.Due, b.DaysOver)
	}
	fmt.Fprintf(w, "\nTop problems: %d\n", len(s.TopProblems))
	for _, p := range s.TopProblems {
		fmt.Fprintf(w, "  %s  %s  %s  %d incidents  %s\n", ts(p.ID), p.Status, ts(p.Control), p.Incidents, ts(p.Title))
	}
}

func writeServiceMarkdown(w io.Writer, s Service) {
	md := output.MarkdownText
	fmt.Fprintf(w, "\n## Incidents\n\n%d open of %d opened, %d resolutions; repeat rate %.1f%% (%d reopened).\n\n", s.Open, s.Opened, s.Resolved, s.RepeatRate, s.Reopened)
	fmt.Fprintf(w, "| Open by | Incidents |\n| --- | --- |\n| severity | %s |\n| age | %s |\n\n", md(counts(s.OpenBySeverity)), ageCounts(s.OpenByAge))
	for _, g := range []struct {
		name string
		rows []MTTR
	}{{"Control", s.MTTRByControl}, {"Team", s.MTTRByTeam}} {
		if len(g.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | Resolved | Mean time to resolve (h) |\n| --- | ---: | ---: |\n", g.name)
		for _, m := range g.rows {
			fmt.Fprintf(w, "| %s | %d | %.1f |\n", md(m.Key), m.Resolved, m.Hours)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "### SLA breaches (%d)\n\n", len(s.Breaches))
	if len(s.Breaches) > 0 {
		fmt.Fprintln(w, "| Issue | Incident | Severity | Due | Days over |\n| ---: | --- | --- | --- | ---: |")
		for _, b := range s.Breaches {
			fmt.Fprintf(w, "| #%d | %s | %s | %s | %d |\n", b.Issue, md(b.Fingerprint), md(b.Severity), b.Due, b.DaysOver)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "### Top problems (%d)\n\n", len(s.TopProblems))
	if len(s.TopProblems) > 0 {
		fmt.Fprintln(w, "| Problem | Status | Control | Incidents | Title |\n| --- | --- | --- | ---: | --- |")
		for _, p := range s.TopProblems {
			fmt.Fprintf(w, "| %s | %s | %s | %d | %s |\n", md(p.ID), md(p.Status), md(p.Control), p.Incidents, md(p.Title))
		}
		fmt.Fprintln(w)
	}
}

// serviceCSV writes the service rows through row (section, group, key,
// count, then the record columns).
func serviceCSV(row func(section, group, key string, count int, rest ...string), s Service) {
	row("incidents", "", "opened", s.Opened)
	row("incidents", "", "open", s.Open)
	row("incidents", "", "resolutions", s.Resolved)
	row("incidents", "", "reopened", s.Reopened)
	row("incidents", "", "repeat-rate", -1, "", "", "", "", "", "", "", "", "", "", "", strconv.FormatFloat(s.RepeatRate, 'f', 1, 64))
	for _, k := range sortedKeys(s.OpenBySeverity) {
		row("incidents", "open-by-severity", k, s.OpenBySeverity[k])
	}
	for _, b := range ageBuckets {
		row("incidents", "open-by-age", b.name, s.OpenByAge[b.name])
	}
	for _, g := range []struct {
		name string
		rows []MTTR
	}{{"mttr-by-control", s.MTTRByControl}, {"mttr-by-team", s.MTTRByTeam}} {
		for _, m := range g.rows {
			row("incidents", g.name, m.Key, m.Resolved, "", "", "", "", "", "", "", "", "", "", "", strconv.FormatFloat(m.Hours, 'f', 1, 64))
		}
	}
	for _, b := range s.Breaches {
		row("sla-breach", b.Severity, strconv.Itoa(b.Issue), b.DaysOver, strings.Join(b.Records, " "), "incident", "", "", "", "", "", b.Due, "", b.Severity, "", b.Fingerprint)
	}
	for _, p := range s.TopProblems {
		row("problem", p.Control, p.ID, p.Incidents, p.ID, "Problem", "", p.Status, "", "", "", "", "", "", "", p.Title)
	}
}
