package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// GitHub writes workflow commands (::error file=…,line=…,col=…::message)
// that GitHub Actions turns into annotations on the lines.
func GitHub(w io.Writer, r Report, _ Options) error {
	for _, f := range r.Findings {
		level := "notice"
		switch {
		case f.Severity >= record.SevHigh:
			level = "error"
		case f.Severity >= record.SevMedium:
			level = "warning"
		}
		props := []string{"file=" + escapeProperty(TextSafe(f.Pos.File))}
		if f.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
		}
		if f.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
		}
		props = append(props, "title="+escapeProperty("estate "+TextSafe(f.Rule)))
		// Values are made visible first (TextSafe); the one real line
		// break, before the hint, is then escaped as the runner wants.
		msg := TextSafe(f.Message)
		if f.Hint != "" {
			msg += "\n" + TextSafe(f.Hint)
		}
		fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg))
	}
	fmt.Fprintln(w, summaryLine(r))
	return nil
}

// escapeData and escapeProperty follow @actions/core's command.ts, so that
// no value can end the command early or start another one.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
