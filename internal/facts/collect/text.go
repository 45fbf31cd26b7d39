package collect

import (
	"fmt"
	"io"

	"github.com/estate-dev/estate/internal/output"
)

// WriteText writes r as estate facts collect and pull print it: a line
// per document written, a line per failure (at file:line:column when it
// has one), and the count.
func (r *Result) WriteText(w io.Writer) {
	for _, x := range r.Written {
		fmt.Fprintf(w, "wrote %s (%s)\n", output.TextSafe(x.Rel), output.TextSafe(x.Source))
	}
	for _, f := range r.Failed {
		where := f.Source
		if f.Pos.Line > 0 {
			where = f.Pos.String()
		}
		fmt.Fprintf(w, "%s: %s\n", output.TextSafe(where), output.TextSafe(f.Reason))
	}
	s := "s"
	if len(r.Written) == 1 {
		s = ""
	}
	fmt.Fprintf(w, "facts: %d device%s written to %s, %d failed\n", len(r.Written), s, output.TextSafe(r.Out), len(r.Failed))
}
