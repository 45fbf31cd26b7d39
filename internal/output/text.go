package output

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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
		fmt.Fprintf(w, "%s: %s: %s %s\n", paint(ansiBold, TextSafe(f.Pos.String())), sev, TextSafe(f.Message), paint(ansiDim, "["+TextSafe(f.Rule)+"]"))
		if f.Hint != "" {
			fmt.Fprintf(w, "    hint: %s\n", TextSafe(f.Hint))
		}
	}
	fmt.Fprintln(w, summaryLine(r))
	return nil
}

// TextSafe makes untrusted text (device values, file names, record
// fields) safe to print on one line of a terminal, a CI log or a
// rendered page: every control character (C0 including tab, newline and
// ESC, DEL, C1), every Unicode bidirectional control (U+061C, U+200E,
// U+200F, U+202A-U+202E, U+2066-U+2069), the line and paragraph
// separators (U+2028, U+2029) and every byte that is not UTF-8 is shown
// as a Go-style escape: \u000a, \u001b, \u202e, \xff. So a hostname
// holding "\n::error file=x::" forges no workflow command in a job log,
// and no value moves the cursor, recolours the terminal or reverses the
// text around it. A backslash is left as it is (Windows paths read as
// written). Text with nothing to escape is returned as is, unallocated.
// Every text writer (text, github, markdown, junit) passes values
// through it.
func TextSafe(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r, n):
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatUint(uint64(r)|0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether TextSafe escapes r (n bytes long).
func unsafeRune(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1:
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
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
