package layout

import (
	"fmt"
	"io"

	"github.com/estate-dev/estate/internal/output"
)

// WriteText writes rep as estate layout migrate prints it: each move,
// what was done, and the largest folder against GitHub Enterprise
// Server's advice.
func WriteText(w io.Writer, rep *Report) {
	for _, m := range rep.Moves {
		fmt.Fprintf(w, "%s -> %s\n", output.TextSafe(m.From), output.TextSafe(m.To))
	}
	verb := "moved"
	if rep.DryRun {
		verb = "would move"
	}
	fmt.Fprintf(w, "layout.prefix %d: %s %d record(s)", rep.Prefix, verb, len(rep.Moves))
	if rep.Settings {
		fmt.Fprint(w, ", estate.yaml sets layout.prefix")
	}
	if rep.Commit != "" {
		fmt.Fprintf(w, " in commit %s", rep.Commit[:min(12, len(rep.Commit))])
	}
	fmt.Fprintln(w)
	if rep.Largest != "" {
		fmt.Fprintf(w, "largest folder: %s, %d entries", output.TextSafe(rep.Largest), rep.Entries)
		if rep.Entries > MaxFolderEntries {
			fmt.Fprintf(w, " (over the %d that GitHub Enterprise Server advises: a longer --prefix splits it further)", MaxFolderEntries)
		}
		fmt.Fprintln(w)
	}
}
