package output

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

// TestCSVCell: OWASP's list of formula triggers, including the tab and
// carriage return that export csv let through before.
func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"plain":              "plain",
		"=1+2":               "'=1+2",
		"+SUM(A1)":           "'+SUM(A1)",
		"-2+3":               "'-2+3",
		"@SUM(A1)":           "'@SUM(A1)",
		"\t=cmd|' /C calc'!": "'\t=cmd|' /C calc'!",
		"\r=1+2":             "'\r=1+2",
		"-3":                 "-3",
		"+1.5":               "+1.5",
		"a=b":                "a=b",
		"'=quoted":           "'=quoted",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCSVCell: no cell CSVCell returns starts a formula unless it is a
// number, and a reader that strips what CSVEscaped recognises gets the
// value back.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "=1", "\tx", "\r", "-3", "@", "'=x", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CSVCell(s)
		if got != s {
			if !CSVEscaped(got) || got[1:] != s {
				t.Fatalf("CSVCell(%q) = %q: not read back", s, got)
			}
			return
		}
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !isNumber(s) {
			t.Fatalf("CSVCell(%q) left a formula", s)
		}
	})
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func TestWriteCSVEscapesEveryCell(t *testing.T) {
	var b bytes.Buffer
	tbl := Table{Title: "ignored", Notes: []string{"ignored"}, Columns: Cols("Name", "Cost"),
		Rows: [][]string{{"=HYPERLINK(\"http://x\")", "-12.50"}, {"a,b", "\tx"}}}
	if err := WriteCSV(&b, tbl); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Name", "Cost"}, {"'=HYPERLINK(\"http://x\")", "-12.50"}, {"a,b", "'\tx"}}
	if len(recs) != len(want) {
		t.Fatalf("got %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, recs[i], want[i])
		}
	}
}
