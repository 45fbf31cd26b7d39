package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/estate-dev/estate/internal/output"
)

// writeTrendText writes the commentary (first) and the figures it comes
// from: the trend, the drivers, time to remediate, the deadlines ahead.
func writeTrendText(w io.Writer, tr *Trend, commentaryOnly bool) {
	ts := output.TextSafe
	if commentaryOnly {
		for _, s := range tr.Commentary {
			fmt.Fprintln(w, ts(s))
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "\nCompliance trend (by %s, %d devices in use with a baseline)\n", tr.Period, tr.Devices)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  period\taudit\tfailing\tcompliant\tchange (points)")
	for i, p := range tr.Points {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.1f%%\t%s\n", p.Period, p.Audit, p.Failing, p.Compliant, pointChange(tr.Points, i))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nChange in failing devices since the period before: %d groups\n", len(tr.Drivers))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  by\tname\tbefore\tafter\tchange")
	for _, d := range tr.Drivers {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%+d\n", d.By, ts(d.Name), d.Before, d.After, d.After-d.Before)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTime to remediate (days, audit to audit)\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  by\tname\tfixed\tmedian\tp90")
	for _, r := range tr.TTR {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%.1f\t%.1f\n", r.By, ts(r.Name), r.Fixed, r.Median, r.P90)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nControls taking effect ahead: %d\n", len(tr.Ahead))
	for _, a := range tr.Ahead {
		fmt.Fprintf(w, "  %s  %s of %s  grace %s  %d failing now\n", a.Effective, ts(a.Control), ts(a.Baseline), dash(a.Grace), a.Upcoming)
	}
}

func writeTrendMarkdown(w io.Writer, tr *Trend) {
	md := output.MarkdownText
	fmt.Fprintf(w, "## Compliance trend\n\nBy %s; %d devices in use with a baseline.\n\n", tr.Period, tr.Devices)
	fmt.Fprintln(w, "| Period | Audit | Failing | Compliant | Change (points) |\n| --- | ---: | ---: | ---: | ---: |")
	for i, p := range tr.Points {
		fmt.Fprintf(w, "| %s | %d | %d | %.1f%% | %s |\n", p.Period, p.Audit, p.Failing, p.Compliant, pointChange(tr.Points, i))
	}
	fmt.Fprintln(w, "\n### Change in failing devices since the period before\n\n| By | Name | Before | After | Change |\n| --- | --- | ---: | ---: | ---: |")
	for _, d := range tr.Drivers {
		fmt.Fprintf(w, "| %s | %s | %d | %d | %+d |\n", d.By, md(d.Name), d.Before, d.After, d.After-d.Before)
	}
	fmt.Fprintln(w, "\n### Time to remediate (days)\n\n| By | Name | Fixed | Median | 90th percentile |\n| --- | --- | ---: | ---: | ---: |")
	for _, r := range tr.TTR {
		fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.1f |\n", r.By, md(r.Name), r.Fixed, r.Median, r.P90)
	}
	fmt.Fprintln(w, "\n### Controls taking effect ahead\n\n| Effective | Control | Baseline | Grace | Failing now |\n| --- | --- | --- | --- | ---: |")
	for _, a := range tr.Ahead {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d |\n", a.Effective, md(a.Control), md(a.Baseline), md(dash(a.Grace)), a.Upcoming)
	}
	fmt.Fprintln(w)
}

// pointChange is point i's compliance less the one before, in points.
func pointChange(ps []TrendPoint, i int) string {
	if i == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.1f", ps[i].Compliant-ps[i-1].Compliant)
}
