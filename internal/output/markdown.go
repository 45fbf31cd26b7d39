package output

import (
	"fmt"
	"io"
	"strings"
)

// Markdown writes a summary line and a table of findings. Every value is
// escaped (see MarkdownCell): record values are untrusted text.
func Markdown(w io.Writer, r Report, _ Options) error {
	fmt.Fprintf(w, "**%s**\n\n", MarkdownCell(summaryLine(r)))
	if len(r.Findings) == 0 {
		return nil
	}
	fmt.Fprintln(w, "| Where | Severity | Problem | Rule |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	for _, f := range r.Findings {
		msg := f.Message
		if f.Hint != "" {
			msg += " — " + f.Hint
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", CodeSpan(f.Pos.String()), f.Severity, MarkdownCell(msg), MarkdownCell(f.Rule))
	}
	return nil
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "{", `\{`, "}", `\}`, "[", `\[`, "]", `\]`,
	"(", `\(`, ")", `\)`, "#", `\#`, "+", `\+`, "!", `\!`, "|", `\|`, "<", "&lt;", ">", "&gt;",
	"&", "&amp;", "@", "@\u200b", "~", `\~`, "\r", " ", "\n", " ",
)

// MarkdownCell escapes untrusted text for a Markdown table cell or line:
// no HTML, no links or images, no @mentions, no table breaks, and control
// characters shown as escapes (TextSafe).
func MarkdownCell(s string) string { return mdEscaper.Replace(TextSafe(s)) }

var codeEscaper = strings.NewReplacer("`", "'", "|", `\|`)

// CodeSpan makes s safe inside a single-backtick code span, control
// characters shown as escapes (TextSafe).
func CodeSpan(s string) string { return codeEscaper.Replace(TextSafe(s)) }
