package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func sampleTables() []Table {
	t := Table{Title: "Licences", Columns: Cols("Licence", "Seats", "Saving"),
		Notes: []string{"As of today: 2 licences.", "a note with \x1b]8;;http://evil\x07 a link"},
		Rows:  [][]string{{"OFFICE", "3", "GBP 1,200.00"}, {"A|B <b>x</b>", "10", ""}}}
	t.Columns = t.Columns.Right(1, 2)
	t.CSV = &Table{Columns: Cols("Licence", "Seats", "Saving", "Currency"),
		Rows: [][]string{{"OFFICE", "3", "1200.00", "GBP"}, {"=A|B", "10", "0.00", ""}}}
	return []Table{t, {Title: "Empty", Columns: Cols("X")}}
}

func TestWriteTablesText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTables(&b, "text", nil, sampleTables()...); err != nil {
		t.Fatal(err)
	}
	want := "Licences\n" +
		"  As of today: 2 licences.\n" +
		"  a note with \\u001b]8;;http://evil\\u0007 a link\n" +
		"  Licence       Seats  Saving\n" +
		"  OFFICE        3      GBP 1,200.00\n" +
		"  A|B <b>x</b>  10     \n" +
		"\n" +
		"Empty\n" +
		"  (none)\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteTablesMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTables(&b, "markdown", nil, sampleTables()...); err != nil {
		t.Fatal(err)
	}
	want := "### Licences\n\n" +
		"As of today: 2 licences.\n\n" +
		"a note with \\\\u001b\\]8;;http://evil\\\\u0007 a link\n\n" +
		"| Licence | Seats | Saving |\n" +
		"| --- | ---: | ---: |\n" +
		"| OFFICE | 3 | GBP 1,200.00 |\n" +
		"| A\\|B &lt;b&gt;x&lt;/b&gt; | 10 |  |\n" +
		"\n### Empty\n\n_none_\n"
	if b.String() != want {
		t.Errorf("markdown:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestWriteTablesCSVWritesTheFirstTablesCSVForm(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTables(&b, "csv", nil, sampleTables()...); err != nil {
		t.Fatal(err)
	}
	want := "Licence,Seats,Saving,Currency\nOFFICE,3,1200.00,GBP\n'=A|B,10,0.00,\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteTablesJSONWritesTheValue(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTables(&b, "json", map[string]int{"seats": 3}, sampleTables()...); err != nil {
		t.Fatal(err)
	}
	var v map[string]int
	if err := json.Unmarshal(b.Bytes(), &v); err != nil || v["seats"] != 3 || !strings.HasPrefix(b.String(), "{\n  \"seats\"") {
		t.Errorf("json: %q (%v)", b.String(), err)
	}
}

func TestWriteTablesUnknownFormat(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTables(&b, "sarif", nil, sampleTables()...); err == nil || !strings.Contains(err.Error(), `unknown format "sarif"`) {
		t.Errorf("WriteTables(sarif): %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q for an unknown format", b.String())
	}
}
