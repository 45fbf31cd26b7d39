package output

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

// Text writes one line per finding, path:line:col: severity: message
// [rule], a hint line under it when there is one, and a summary.
func Text(w io.Writer, r Report, o Options) error {
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return code + s + ansiReset
	}
	for _, f := range r.Findings {
		sev := f.Severity.String()
		switch {
		case f.Severity >= record.SevHigh:
			sev = paint(ansiRed, sev)
		case f.Severity >= record.SevMedium:
			sev = paint(ansiYellow, sev)
		default:
			sev = paint(ansiCyan, sev)
		}
		fmt.Fprintf(w, "%s: %s: %s %s\n", paint(ansiBold, f.Pos.String()), sev, f.Message, paint(ansiDim, "["+f.Rule+"]"))
		if f.Hint != "" {
			fmt.Fprintf(w, "    hint: %s\n", f.Hint)
		}
	}
	fmt.Fprintln(w, summaryLine(r))
	return nil
}

// SummaryOrder is the order of well-known counts in the summary line.
var SummaryOrder = []string{"records", "checked", "cached", "devices", "assets", "controls"}

func summaryLine(r Report) string {
	var parts []string
	keys := make([]string, 0, len(r.Summary))
	for k := range r.Summary {
		keys = append(keys, k)
	}
	// Counts named in SummaryOrder come first, in that order.
	rank := func(k string) int {
		for i, o := range SummaryOrder {
			if o == k {
				return i
			}
		}
		return len(SummaryOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", r.Summary[k], k))
	}
	head := r.Tool
	if len(parts) > 0 {
		head += ": " + strings.Join(parts, ", ")
	}
	if len(r.Findings) == 0 {
		return head + "; no problems found"
	}
	counts := bySeverity(r.Findings)
	var sev []string
	for s := record.SevCritical; s >= record.SevInfo; s-- {
		if n := counts[s.String()]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, s))
		}
	}
	return fmt.Sprintf("%s; %d problem%s (%s)", head, len(r.Findings), plural(len(r.Findings)), strings.Join(sev, ", "))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
