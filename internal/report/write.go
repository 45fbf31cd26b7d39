package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/estate-dev/estate/internal/output"
)

// Formats lists the formats Write knows (html is internal/htmlreport).
var Formats = []string{"text", "markdown", "json", "csv"}

// Write writes r in format.
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "json":
		return writeJSON(w, r)
	case "markdown":
		return writeMarkdown(w, r)
	case "csv":
		return writeCSV(w, r)
	case "text":
		return writeText(w, r)
	}
	return fmt.Errorf("unknown report format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func counts(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func writeText(w io.Writer, r *Report) error {
	rev := "the working tree"
	if r.Revision != "" {
		rev = "commit " + r.Revision[:min(12, len(r.Revision))]
	}
	inv := r.Inventory
	ts := output.TextSafe // record values are untrusted text
	fmt.Fprintf(w, "Estate as of %s (%s)\n\n", r.AsOf, rev)
	if r.Trend != nil {
		writeTrendText(w, r.Trend, true)
	}
	fmt.Fprintf(w, "Inventory: %d records (%s)\n", inv.Total, ts(counts(inv.ByKind)))
	fmt.Fprintf(w, "  by class:    %s\n", ts(counts(inv.ByClass)))
	fmt.Fprintf(w, "  by status:   %s\n", ts(counts(inv.ByStatus)))
	fmt.Fprintf(w, "  by location: %s\n", ts(counts(inv.ByLocation)))
	fmt.Fprintf(w, "  by baseline: %s\n", ts(counts(inv.ByBaseline)))
	if r.Trend != nil {
		writeTrendText(w, r.Trend, false)
	}
	acc := r.Changes
	fmt.Fprintf(w, "\nStatus accounting (%d ledger entries, %d audits)\n", acc.LedgerEntries, acc.Audits)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  period\tchanges\tby type\tby risk\tby outcome")
	for _, p := range acc.Periods {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", p.Period, p.Total, ts(counts(p.ByType)), ts(counts(p.ByRisk)), ts(counts(p.ByOutcome)))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nImplemented, not yet verified: %d\n", len(acc.Unverified))
	for _, c := range acc.Unverified {
		fmt.Fprintf(w, "  entry %d  %s  %s  %s\n", c.Entry, c.Time, ts(changeName(c)), ts(c.Title))
	}
	fmt.Fprintf(w, "\nEmergency changes awaiting review: %d\n", len(acc.Emergency))
	for _, c := range acc.Emergency {
		state := "due"
		if c.Overdue {
			state = "OVERDUE since"
		}
		fmt.Fprintf(w, "  entry %d  %s  %s  %s %s\n", c.Entry, ts(changeName(c)), ts(c.Title), state, c.Due)
	}
	fmt.Fprintf(w, "\nExemptions expiring: %d\n", len(acc.Exemptions))
	for _, x := range acc.Exemptions {
		fmt.Fprintf(w, "  %s  %s  expires %s (%s)  %s\n", ts(x.Asset), ts(x.Control), x.Expires, daysText(x.Days), ts(x.Change))
	}
	writeServiceText(w, r.Service)
	fmt.Fprintf(w, "\nRecords: %d\n", inv.Total)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  id\tkind\tclass\tstatus\tlocation\tbaseline\towner")
	for _, row := range inv.Records {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", ts(row.ID), row.Kind, ts(dash(row.Class)), ts(dash(row.Status)), ts(dash(row.Location)), ts(dash(row.Baseline)), ts(dash(row.Owner)))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func daysText(d int) string {
	switch {
	case d < 0:
		return fmt.Sprintf("expired %d days ago", -d)
	case d == 0:
		return "today"
	}
	return fmt.Sprintf("in %d days", d)
}

func changeName(c ChangeRow) string {
	var parts []string
	if c.PR > 0 {
		parts = append(parts, fmt.Sprintf("PR #%d", c.PR))
	}
	if c.Change != "" {
		parts = append(parts, c.Change)
	}
	if len(parts) == 0 {
		return c.Commit[:min(12, len(c.Commit))]
	}
	return strings.Join(parts, " ")
}

func writeMarkdown(w io.Writer, r *Report) error {
	md := output.MarkdownText
	inv, acc := r.Inventory, r.Changes
	fmt.Fprintf(w, "# Estate as of %s\n\n", r.AsOf)
	if r.Revision != "" {
		fmt.Fprintf(w, "Read at commit %s.\n\n", output.CodeSpan(r.Revision))
	}
	if r.Trend != nil {
		for _, s := range r.Trend.Commentary {
			fmt.Fprintln(w, md(s))
		}
		fmt.Fprintln(w)
		writeTrendMarkdown(w, r.Trend)
	}
	fmt.Fprintf(w, "## Inventory\n\n%d records.\n\n", inv.Total)
	for _, g := range []struct {
		name string
		m    map[string]int
	}{{"Kind", inv.ByKind}, {"Class", inv.ByClass}, {"Status", inv.ByStatus}, {"Location", inv.ByLocation}, {"Baseline", inv.ByBaseline}} {
		fmt.Fprintf(w, "| %s | Records |\n| --- | ---: |\n", g.name)
		for _, k := range sortedKeys(g.m) {
			fmt.Fprintf(w, "| %s | %d |\n", md(k), g.m[k])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "## Status accounting\n\n%d ledger entries, %d audits.\n\n", acc.LedgerEntries, acc.Audits)
	fmt.Fprintln(w, "| Period | Changes | By type | By risk | By outcome |\n| --- | ---: | --- | --- | --- |")
	for _, p := range acc.Periods {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", p.Period, p.Total, md(counts(p.ByType)), md(counts(p.ByRisk)), md(counts(p.ByOutcome)))
	}
	fmt.Fprintf(w, "\n### Implemented, not yet verified (%d)\n\n", len(acc.Unverified))
	changesTable(w, acc.Unverified, false)
	fmt.Fprintf(w, "\n### Emergency changes awaiting review (%d)\n\n", len(acc.Emergency))
	changesTable(w, acc.Emergency, true)
	fmt.Fprintf(w, "\n### Exemptions expiring (%d)\n\n", len(acc.Exemptions))
	if len(acc.Exemptions) > 0 {
		fmt.Fprintln(w, "| Asset | Control | Expires | When | Change |\n| --- | --- | --- | --- | --- |")
		for _, x := range acc.Exemptions {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", md(x.Asset), md(x.Control), md(x.Expires), daysText(x.Days), md(x.Change))
		}
	}
	writeServiceMarkdown(w, r.Service)
	fmt.Fprintf(w, "\n## Records (%d)\n\n| Id | Kind | Class | Status | Location | Baseline | Owner |\n| --- | --- | --- | --- | --- | --- | --- |\n", inv.Total)
	for _, row := range inv.Records {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", md(row.ID), row.Kind, md(row.Class), md(row.Status), md(row.Location), md(row.Baseline), md(row.Owner))
	}
	return nil
}

func changesTable(w io.Writer, rows []ChangeRow, due bool) {
	if len(rows) == 0 {
		return
	}
	head := "| Entry | Time | Change | Title | Type | Risk | Approvals |"
	sep := "| ---: | --- | --- | --- | --- | --- | ---: |"
	if due {
		head, sep = head+" Review due |", sep+" --- |"
	}
	fmt.Fprintln(w, head+"\n"+sep)
	for _, c := range rows {
		md := output.MarkdownText
		line := fmt.Sprintf("| %d | %s | %s | %s | %s | %s | %d |", c.Entry, c.Time, md(changeName(c)), md(c.Title), md(c.Type), md(c.Risk), c.Approvals)
		if due {
			d := c.Due
			if c.Overdue {
				d += " (overdue)"
			}
			line += " " + d + " |"
		}
		fmt.Fprintln(w, line)
	}
}

// writeCSV writes one table: a section column says what each row is
// (count, change, exemption, record), so a spreadsheet can filter it.
func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "group", "key", "count", "id", "kind", "class", "status", "location", "baseline", "owner", "time", "type", "risk", "outcome", "detail"})
	row := func(section, group, key string, count int, rest ...string) {
		rec := []string{section, group, key, ""}
		if count >= 0 {
			rec[3] = strconv.Itoa(count)
		}
		rec = append(rec, rest...)
		for len(rec) < 16 {
			rec = append(rec, "")
		}
		cw.Write(output.CSVRow(rec))
	}
	inv, acc := r.Inventory, r.Changes
	for _, g := range []struct {
		name string
		m    map[string]int
	}{{"kind", inv.ByKind}, {"class", inv.ByClass}, {"status", inv.ByStatus}, {"location", inv.ByLocation}, {"baseline", inv.ByBaseline}} {
		for _, k := range sortedKeys(g.m) {
			row("inventory", g.name, k, g.m[k])
		}
	}
	for _, p := range acc.Periods {
		row("changes", p.Period, "total", p.Total)
		for _, k := range sortedKeys(p.ByType) {
			row("changes", p.Period, "type:"+k, p.ByType[k])
		}
		for _, k := range sortedKeys(p.ByRisk) {
			row("changes", p.Period, "risk:"+k, p.ByRisk[k])
		}
		for _, k := range sortedKeys(p.ByOutcome) {
			row("changes", p.Period, "outcome:"+k, p.ByOutcome[k])
		}
	}
	for _, c := range acc.Unverified {
		row("unverified", "", strconv.FormatInt(c.Entry, 10), -1, c.Change, "change", "", "", "", "", c.Author, c.Time, c.Type, c.Risk, OutcomeAwaiting, c.Title)
	}
	for _, c := range acc.Emergency {
		row("emergency-review", "", strconv.FormatInt(c.Entry, 10), -1, c.Change, "change", "", "", "", "", c.Author, c.Time, c.Type, c.Risk, "due "+c.Due, c.Title)
	}
	for _, x := range acc.Exemptions {
		row("exemption", x.Control, x.Asset, x.Days, x.Asset, "Asset", "", "", "", "", x.Owner, x.Expires, "", "", "", x.Change)
	}
	serviceCSV(row, r.Service)
	for _, rec := range inv.Records {
		row("record", "", rec.ID, -1, rec.ID, rec.Kind, rec.Class, rec.Status, rec.Location, rec.Baseline, rec.Owner, "", "", "", "", rec.Path)
	}
	cw.Flush()
	return cw.Error()
}
