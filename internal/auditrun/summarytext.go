package auditrun

import (
	"fmt"
	"io"
	"sort"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// The compliance summary in text and markdown, after the findings.

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", record.Percent(n, of))
}

func writeComplianceText(w io.Writer, s audit.Summary) {
	fmt.Fprintf(w, "\ncompliance: %d devices reported, %d matched to an asset, %d unregistered; %d assets expected to report, %d missing\n",
		s.Devices, s.Seen, s.Unregistered, s.Assets, s.Missing)
	if len(s.Baselines) > 0 {
		fmt.Fprintf(w, "\n%-20s %8s %10s %13s %10s %9s\n", "BASELINE", "DEVICES", "COMPLIANT", "NON-COMPLIANT", "UNVERIFIED", "SCORE")
		for _, b := range s.Baselines {
			fmt.Fprintf(w, "%-20s %8d %10d %13d %10d %9s\n", b.Name+" "+b.Version, b.Devices, b.Compliant, b.NonCompliant, b.Unverified, pct(b.Compliant, b.Devices))
		}
		fmt.Fprintf(w, "\n%-20s %-14s %-9s %6s %6s %7s %8s\n", "BASELINE", "CONTROL", "SEVERITY", "PASS", "FAIL", "EXEMPT", "UNKNOWN")
		for _, b := range s.Baselines {
			ctls := append([]audit.ControlSummary(nil), b.Controls...)
			sort.SliceStable(ctls, func(i, j int) bool { return ctls[i].Fail > ctls[j].Fail })
			for _, c := range ctls {
				if c.Fail == 0 && c.Unknown == 0 && c.Exempt == 0 {
					continue
				}
				fmt.Fprintf(w, "%-20s %-14s %-9s %6d %6d %7d %8d\n", b.Name, c.ID, c.Severity, c.Pass, c.Fail, c.Exempt, c.Unknown)
			}
		}
	}
	if len(s.Locations) > 0 {
		fmt.Fprintf(w, "\n%-16s %7s %6s %8s %10s %13s %10s\n", "LOCATION", "ASSETS", "SEEN", "MISSING", "COMPLIANT", "NON-COMPLIANT", "UNVERIFIED")
		for _, l := range s.Locations {
			fmt.Fprintf(w, "%-16s %7d %6d %8d %10d %13d %10d\n", l.ID, l.Assets, l.Seen, l.Missing, l.Compliant, l.NonCompliant, l.Unverified)
		}
	}
}

func writeComplianceMarkdown(w io.Writer, s audit.Summary) {
	cell := output.MarkdownCell
	fmt.Fprintf(w, "\n### Compliance\n\n%d devices reported, %d matched to an asset, %d unregistered; %d assets expected to report, %d missing.\n",
		s.Devices, s.Seen, s.Unregistered, s.Assets, s.Missing)
	if len(s.Baselines) > 0 {
		fmt.Fprintln(w, "\n| Baseline | Devices | Compliant | Non-compliant | Unverified | Score |\n| --- | ---: | ---: | ---: | ---: | ---: |")
		for _, b := range s.Baselines {
			fmt.Fprintf(w, "| %s %s | %d | %d | %d | %d | %s |\n", cell(b.Name), cell(b.Version), b.Devices, b.Compliant, b.NonCompliant, b.Unverified, pct(b.Compliant, b.Devices))
		}
		fmt.Fprintln(w, "\n| Baseline | Control | Title | Severity | Pass | Fail | Exempt | Unknown |\n| --- | --- | --- | --- | ---: | ---: | ---: | ---: |")
		for _, b := range s.Baselines {
			for _, c := range b.Controls {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %d | %d |\n", cell(b.Name), cell(c.ID), cell(c.Title), c.Severity, c.Pass, c.Fail, c.Exempt, c.Unknown)
			}
		}
	}
	if len(s.Locations) > 0 {
		fmt.Fprintln(w, "\n| Location | Assets | Seen | Missing | Compliant | Non-compliant | Unverified |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, l := range s.Locations {
			name := l.ID
			if l.Name != "" {
				name += " (" + l.Name + ")"
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", cell(name), l.Assets, l.Seen, l.Missing, l.Compliant, l.NonCompliant, l.Unverified)
		}
	}
}
