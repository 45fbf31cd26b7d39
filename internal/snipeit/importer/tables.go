package importer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/output"
)

// Tables are rep as estate import snipeit prints it in format: the
// problems (at most maxProblems of them, but in csv) with a summary note, and for
// a dry run what would be written.
func Tables(rep *Report, format string, maxProblems int) []output.Table {
	verb := "wrote"
	if rep.DryRun {
		verb = "would write"
	}
	notes := []string{fmt.Sprintf("%s: %d rows; %s %d new and %d updated records (%d unchanged), %d new locations; %d rows refused, %d warnings.",
		rep.File, rep.Rows, verb, rep.Created, rep.Updated, rep.Unchanged, rep.NewLocations, rep.Refused, rep.Warnings)}
	if len(rep.Unused) > 0 {
		notes = append(notes, "Columns not imported (estate has no field for them): "+strings.Join(rep.Unused, ", ")+".")
	}
	if !rep.DryRun && rep.Created+rep.Updated > 0 {
		notes = append(notes, "Next: estate validate (deployed assets of managed classes need a baseline: baseline: in --map).")
	}
	probs := output.Table{Title: "Problems", Columns: output.Cols("Row", "Line", "Asset tag", "Column", "Severity", "Reason").Right(0, 1),
		Notes: notes}
	for i, p := range rep.Problems {
		r := []string{strconv.Itoa(p.Row), strconv.Itoa(p.Line), p.Tag, p.Column, p.Severity, p.Reason}
		if format == "csv" || i < maxProblems {
			probs.Rows = append(probs.Rows, r)
		}
	}
	if len(rep.Problems) > maxProblems && format != "csv" {
		probs.Notes = append(probs.Notes, fmt.Sprintf("Showing %d of %d problems: --format csv or json lists them all.", maxProblems, len(rep.Problems)))
	}
	tables := []output.Table{probs}
	if rep.DryRun {
		plan := output.Table{Title: "Would write", Columns: output.Cols("Row", "Action", "Kind", "Id", "Path").Right(0)}
		for _, p := range rep.Plan {
			row := ""
			if p.Row > 0 {
				row = strconv.Itoa(p.Row)
			}
			plan.Rows = append(plan.Rows, []string{row, p.Action, p.Kind, p.ID, p.Path})
		}
		tables = append(tables, plan)
	}
	return tables
}
