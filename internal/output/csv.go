package output

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVCell defuses a cell a spreadsheet would run as a formula (OWASP's
// "CSV injection"): text that starts with = + - @, a tab or a carriage
// return gets a leading apostrophe, which spreadsheets show as text and
// estate's CSV reader removes. Numbers such as -3 or +1.5 are left alone.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}

// CSVRow returns a copy of cells with every cell made safe by CSVCell.
func CSVRow(cells []string) []string { return mapCells(cells, CSVCell) }

// CSVEscaped reports whether s is a cell CSVCell escaped: an apostrophe
// before one of the characters it defuses. A reader strips the
// apostrophe to get the value back.
func CSVEscaped(s string) bool {
	if len(s) < 2 || s[0] != '\'' {
		return false
	}
	switch s[1] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// WriteCSV writes a table as CSV: the column names, then the rows, every
// cell made safe by CSVCell. Title and notes are left out.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVRow(t.Columns.Names())); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(CSVRow(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func mapCells(ss []string, f func(string) string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}
