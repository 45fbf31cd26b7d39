package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Align says how a column's cells line up in a markdown table.
type Align uint8

const (
	// AlignLeft is the default: text.
	AlignLeft Align = iota
	// AlignRight is for numbers and amounts.
	AlignRight
)

// Column is one column of a Table.
type Column struct {
	Name  string
	Align Align
}

// Columns are the columns of a Table, in order.
type Columns []Column

// Cols makes left-aligned columns of names.
func Cols(names ...string) Columns {
	cs := make(Columns, len(names))
	for i, n := range names {
		cs[i] = Column{Name: n}
	}
	return cs
}

// Right returns a copy of cs with the columns at the indexes given
// (from 0) aligned right.
func (cs Columns) Right(index ...int) Columns {
	out := append(Columns(nil), cs...)
	for _, i := range index {
		out[i].Align = AlignRight
	}
	return out
}

// Names are the columns' names.
func (cs Columns) Names() []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// Table is one table of a report: a title, notes (lines said before the
// table) and rows of cells, one per column. Cells are untrusted text:
// every writer makes them safe for its format.
type Table struct {
	Title   string
	Columns Columns
	Rows    [][]string
	// Notes are printed before the table in text and markdown; CSV leaves
	// them out.
	Notes []string
	// CSV, when set, is the form written as CSV: plain numbers, the
	// currency in its own column, for a spreadsheet.
	CSV *Table
}

// TableFormats are the formats WriteTables knows.
var TableFormats = []string{"text", "markdown", "csv", "json"}

// WriteTables writes a report in format: text and markdown write every
// table with its notes; csv writes the first table only (one table per
// file, for a spreadsheet; its CSV form when it has one); json writes
// value (the report's stable JSON, indented by two spaces) instead of the
// tables. An unknown format is an error.
func WriteTables(w io.Writer, format string, value any, tables ...Table) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(value)
	case "csv":
		if len(tables) == 0 {
			return nil
		}
		if tables[0].CSV != nil {
			return WriteCSV(w, *tables[0].CSV)
		}
		return WriteCSV(w, tables[0])
	case "markdown":
		return eachTable(w, tables, WriteMarkdownTable)
	case "text":
		return eachTable(w, tables, WriteTextTable)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(TableFormats, ", "))
}

// WriteTextTable writes t for a terminal: the title, the notes indented
// by two spaces, then the columns lined up two spaces apart ("(none)"
// for no rows). Every cell and note goes through TextSafe, which also
// keeps tabs, tabwriter's column separator, out of the cells.
func WriteTextTable(w io.Writer, t Table) error {
	fmt.Fprintf(w, "%s\n", TextSafe(t.Title))
	for _, n := range t.Notes {
		fmt.Fprintf(w, "  %s\n", TextSafe(n))
	}
	if len(t.Rows) == 0 {
		_, err := fmt.Fprintln(w, "  (none)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", strings.Join(mapCells(t.Columns.Names(), TextSafe), "\t"))
	for _, r := range t.Rows {
		fmt.Fprintf(tw, "  %s\n", strings.Join(mapCells(r, TextSafe), "\t"))
	}
	return tw.Flush()
}

// WriteMarkdownTable writes t as a level-3 heading, the notes as
// paragraphs and a table ("_none_" for no rows), every cell made
// terminal-safe (TextSafe) and escaped (MarkdownCell); AlignRight columns
// are right-aligned.
func WriteMarkdownTable(w io.Writer, t Table) error {
	fmt.Fprintf(w, "### %s\n\n", MarkdownText(t.Title))
	for _, n := range t.Notes {
		fmt.Fprintf(w, "%s\n\n", MarkdownText(n))
	}
	if len(t.Rows) == 0 {
		_, err := fmt.Fprintln(w, "_none_")
		return err
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(mapCells(t.Columns.Names(), MarkdownText), " | "))
	seps := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		seps[j] = "---"
		if c.Align == AlignRight {
			seps[j] = "---:"
		}
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
	for _, r := range t.Rows {
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(mapCells(r, MarkdownText), " | ")); err != nil {
			return err
		}
	}
	return nil
}

// MarkdownText is untrusted text made safe for a markdown table cell or
// line: terminal-safe (TextSafe), then escaped (MarkdownCell).
func MarkdownText(s string) string { return MarkdownCell(TextSafe(s)) }

// eachTable writes the tables one after the other, a blank line between.
func eachTable(w io.Writer, tables []Table, write func(io.Writer, Table) error) error {
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := write(w, t); err != nil {
			return err
		}
	}
	return nil
}
