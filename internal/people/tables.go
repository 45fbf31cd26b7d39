package people

import (
	"fmt"
	"strconv"

	"github.com/estate-dev/estate/internal/output"
)

// Tables are rep as the tables of estate people pull and import people:
// the problems with a summary note, and for a dry run what would be
// written.
func Tables(rep *Report) []output.Table {
	verb := "wrote"
	if rep.DryRun {
		verb = "would write"
	}
	probs := output.Table{Title: "Problems", Columns: output.Cols("Line", "Column", "Person", "Severity", "Reason").Right(0, 1),
		Notes: []string{fmt.Sprintf("%s: %d people read; %s %d new and %d updated (%d unchanged, %d of another source kept), %d leavers; %d refused.",
			rep.From, rep.Read, verb, rep.Created, rep.Updated, rep.Unchanged, rep.Kept, rep.Leavers, rep.Refused)}}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, p := range rep.Problems {
		probs.Rows = append(probs.Rows, []string{num(p.Line), num(p.Column), p.ID, p.Severity, p.Reason})
	}
	tables := []output.Table{probs}
	if rep.DryRun {
		plan := output.Table{Title: "Would write", Columns: output.Cols("Action", "Id", "Path")}
		for _, p := range rep.Plan {
			plan.Rows = append(plan.Rows, []string{p.Action, p.ID, p.Path})
		}
		tables = append(tables, plan)
	}
	return tables
}
