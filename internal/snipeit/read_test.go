package snipeit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

func mustRead(t *testing.T, file string, m Mapping) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Read(data, m)
	if err != nil {
		t.Fatalf("Read(%s): %v", file, err)
	}
	return res
}

func TestReadAllColumns(t *testing.T) {
	res := mustRead(t, "all-columns.csv", DefaultMapping())
	if res.Rows != 2 || len(res.Items) != 2 || res.Errors() != 0 {
		t.Fatalf("rows %d items %d problems %+v", res.Rows, len(res.Items), res.Problems)
	}
	want := &record.Asset{APIVersion: "estate/v1", Kind: "Asset", ID: "LT-0001", Class: "laptop", Status: "deployed",
		Serial: "C02XK1ABJG5H", Manufacturer: "Apple", Model: `MacBook Pro 14"`, Hostname: "lt-0001", Owner: "jane.doe@example.org",
		Purchase: &record.Purchase{Date: "2023-05-02", Cost: 2199, Currency: "USD", Supplier: "Apple, Inc.", Order: "PO-1182"},
		Warranty: &record.Warranty{Expires: "2026-05-02"}, Tags: []string{"company:Acme Ltd"}, Notes: "Has a dent, left side"}
	if got := res.Items[0].Asset; !reflect.DeepEqual(got, want) {
		t.Errorf("row 2:\n got %+v\nwant %+v", got, want)
	}
	if res.Items[0].Location != "London HQ" || res.Items[0].Row != 2 || res.Items[0].Line != 2 {
		t.Errorf("row 2 item = %+v", res.Items[0])
	}
	mn := res.Items[1].Asset
	if mn.Class != "monitor" || mn.Status != "in-stock" || mn.Purchase.Date != "2024-01-15" || mn.Purchase.Currency != "" ||
		!strings.Contains(mn.Notes, "Dell monitor 2") {
		t.Errorf("row 3 = %+v", mn)
	}
	for _, c := range []string{"Model Number", "Asset EOL Date", "Requestable", "Model Notes", "Image"} {
		if !contains(res.Unused, c) {
			t.Errorf("unused columns %v lack %q", res.Unused, c)
		}
	}
}

func TestReadMessy(t *testing.T) {
	res := mustRead(t, "messy.csv", DefaultMapping())
	if res.Rows != 8 {
		t.Errorf("rows = %d, want 8", res.Rows)
	}
	ids := []string{}
	for _, it := range res.Items {
		ids = append(ids, it.Asset.ID)
	}
	if strings.Join(ids, ",") != "A-1,A-3,A-7" {
		t.Errorf("imported %v, want A-1,A-3,A-7", ids)
	}
	type key struct {
		row int
		sev string
	}
	got := map[key][]string{}
	for _, p := range res.Problems {
		got[key{p.Row, p.Severity}] = append(got[key{p.Row, p.Severity}], p.Reason)
	}
	expect := []struct {
		row      int
		sev, has string
	}{
		{1, Warning, "repeats column 3"},
		{3, Error, "duplicate asset tag \"A-1\": row 2"},
		{4, Warning, `asset tag "A 3" becomes id "A-3"`},
		{4, Warning, "not UTF-8"},
		{4, Warning, "scientific notation"},
		{4, Warning, `purchase date "13/45/23" is not a date`},
		{4, Warning, "column 11 has no name"},
		{5, Error, `unknown status label "Wonky Label"`},
		{6, Error, "needs the owner's email"},
		{7, Error, "no asset tag"},
		{9, Warning, "empty row"},
	}
	for _, e := range expect {
		found := false
		for _, r := range got[key{e.row, e.sev}] {
			if strings.Contains(r, e.has) {
				found = true
			}
		}
		if !found {
			t.Errorf("row %d: no %s containing %q; have %q", e.row, e.sev, e.has, got[key{e.row, e.sev}])
		}
	}
	if res.Errors() != 4 {
		t.Errorf("errors = %d, want 4", res.Errors())
	}
	a1, a3, a7 := res.Items[0], res.Items[1].Asset, res.Items[2].Asset
	if a1.Location != "Paris, 2nd floor" || a1.Asset.Notes != "line one\nline two" || a1.Asset.Hostname != "alpha" {
		t.Errorf("A-1 = %+v %+v", a1, a1.Asset)
	}
	if a3.Status != "in-repair" || a3.Class != "desktop" || a3.Serial != "" || a3.Purchase.Cost != 12.5 || a3.Purchase.Currency != "EUR" ||
		!strings.Contains(a3.Notes, "café") || !strings.Contains(a3.Notes, "6.37702E+15") || a3.Purchase.Date != "" {
		t.Errorf("A-3 = %+v %+v", a3, a3.Purchase)
	}
	if a7.Class != "monitor" || a7.Status != "retired" || a7.Purchase.Date != "2024-02-29" || a7.Purchase.Cost != 1234.5 {
		t.Errorf("A-7 = %+v %+v", a7, a7.Purchase)
	}
	// every problem row is a real row number with a line
	for _, p := range res.Problems {
		if p.Row < 1 || p.Line < 1 {
			t.Errorf("problem without a position: %+v", p)
		}
	}
}

func TestMappingOverride(t *testing.T) {
	m, err := LoadMapping("map.yaml", []byte("status:\n  Wonky Label: loaned\ncategory:\n  Phones: tablet\nemail_domain: example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Status["ready to deploy"] != "in-stock" || m.Status["wonky label"] != "loaned" {
		t.Errorf("mapping = %+v", m.Status)
	}
	res := mustRead(t, "messy.csv", m)
	for _, it := range res.Items {
		if it.Asset.ID == "A-4" && it.Asset.Status != "loaned" {
			t.Errorf("A-4 = %+v", it.Asset)
		}
	}
	for _, bad := range []struct{ doc, want string }{
		{"status:\n  Ready: shelved\n", "map.yaml:2:10: status \"shelved\" is not one of"},
		{"colour: red\n", "map.yaml:1:1: unknown key \"colour\""},
		{"currency: pounds\n", "map.yaml:1:11: currency"},
		{"category: [a]\n", "map.yaml:1:11: category is a mapping"},
		{"- a\n", "map.yaml:1:1: the mapping file is a YAML mapping"},
	} {
		_, err := LoadMapping("map.yaml", []byte(bad.doc))
		if err == nil || !strings.HasPrefix(err.Error(), bad.want) {
			t.Errorf("LoadMapping(%q) = %v, want %q", bad.doc, err, bad.want)
		}
	}
}

func TestReadNotACSV(t *testing.T) {
	if _, err := Read(nil, DefaultMapping()); err == nil {
		t.Error("empty file read")
	}
	if _, err := Read([]byte("Name,Category\nx,y\n"), DefaultMapping()); err == nil || !strings.Contains(err.Error(), "Asset Tag") {
		t.Errorf("no tag column: %v", err)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"1/23/23": "2023-01-23", "10/27/28": "2028-10-27", "3/1/1999": "1999-03-01",
		"2024-02-29": "2024-02-29", "2024-02-29 10:00:00": "2024-02-29", "2023/05/02": "2023-05-02", "1/1/70": "1970-01-01"} {
		got, ok := parseDate(in, "mdy")
		if !ok || got.Format("2006-01-02") != want {
			t.Errorf("parseDate(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	if got, ok := parseDate("23/1/23", "dmy"); !ok || got.Format("2006-01-02") != "2023-01-23" {
		t.Errorf("dmy = %v", got)
	}
	for _, bad := range []string{"2/30/23", "13/1/23", "x", "1/2/345", "2023-13-45", "1/2"} {
		if _, ok := parseDate(bad, "mdy"); ok {
			t.Errorf("parseDate(%q) accepted", bad)
		}
	}
}

func TestParseCost(t *testing.T) {
	for in, want := range map[string]struct {
		v   float64
		cur string
	}{"2266.13": {2266.13, ""}, "$2,199.00": {2199, "USD"}, "£99": {99, "GBP"}, "1.234,50 EUR": {1234.5, "EUR"},
		"12,50": {12.5, ""}, "1,234": {1234, ""}, "GBP 10": {10, "GBP"}} {
		v, cur, ok := parseCost(in)
		if !ok || v != want.v || cur != want.cur {
			t.Errorf("parseCost(%q) = %v %q %v", in, v, cur, ok)
		}
	}
	for _, bad := range []string{"abc", "-5", "NaN", "1e400"} {
		if _, _, ok := parseCost(bad); ok {
			t.Errorf("parseCost(%q) accepted", bad)
		}
	}
}

// TestExportRoundTrip: every field Export writes reads back equal.
func TestExportRoundTrip(t *testing.T) {
	assets := []*record.Asset{
		{APIVersion: "estate/v1", Kind: "Asset", ID: "LT-1", Class: "laptop", Status: "deployed", Serial: "C02 X/1", Manufacturer: "Apple",
			Model: `MacBook "Pro", 14`, Hostname: "lt-1", OS: "macos", Owner: "a@example.org", Location: "LON", Baseline: "euc-macos",
			Purchase: &record.Purchase{Date: "2023-05-02", Cost: 2199.5, Currency: "GBP", Supplier: "=cmd|' /C calc'!A0", Order: "PO-1"},
			Warranty: &record.Warranty{Expires: "2026-05-02", Provider: "AppleCare"}, Licences: []string{"MS365", "ADOBE"},
			LastAudit: "2026-01-05", Tags: []string{"finance", "company:Acme, Inc."}, Notes: "two\nlines, and \"quotes\""},
		{APIVersion: "estate/v1", Kind: "Asset", ID: "DT-2", Class: "desktop", Status: "disposed",
			Disposal: &record.Disposal{Date: "2026-02-01", Method: "recycled", Certificate: "WEEE-1"}, Warranty: &record.Warranty{Expires: "2025-01-31"}},
		{APIVersion: "estate/v1", Kind: "Asset", ID: "PH-3", Class: "phone", Status: "loaned", Owner: "b@example.org", Tags: []string{"-x"}},
	}
	var buf bytes.Buffer
	if err := Export(&buf, assets, func(id string) string {
		if id == "LON" {
			return "London HQ"
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'=cmd") {
		t.Errorf("a formula was not defused:\n%s", buf.String())
	}
	res, err := Read(buf.Bytes(), DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors() != 0 || len(res.Items) != 3 {
		t.Fatalf("problems %+v", res.Problems)
	}
	for i, it := range res.Items {
		want := *assets[i]
		if want.Location == "LON" {
			if it.Location != "London HQ" {
				t.Errorf("location = %q", it.Location)
			}
			want.Location = ""
		}
		// company: is written to the Company column and read back last
		if i == 0 {
			want.Tags = []string{"finance", "company:Acme, Inc."}
		}
		if !reflect.DeepEqual(it.Asset, &want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", it.Row, it.Asset, &want)
		}
	}
}

func TestMarshalAssetReadsBack(t *testing.T) {
	a := &record.Asset{APIVersion: "estate/v1", Kind: "Asset", ID: "X-1", Class: "laptop", Status: "deployed", Model: "yes",
		Manufacturer: "a: b #c", Notes: "null", Owner: "x@y.org", Tags: []string{"on", "1", "- a", "é\u2028"},
		Purchase: &record.Purchase{Date: "2023-01-02", Cost: 0.1}, Exemptions: []record.Exemption{{Control: "C-1", Reason: "r", Change: "CR-1", Expires: "2027-01-01"}}}
	roundTrip(t, a)
}

func roundTrip(t *testing.T, a *record.Asset) {
	t.Helper()
	data := MarshalAsset(a)
	var got record.Asset
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatalf("read back %q: %v", data, err)
	}
	if !reflect.DeepEqual(&got, a) {
		t.Fatalf("read back:\n%s\n got %+v\nwant %+v", data, got, *a)
	}
}

func FuzzMarshalAsset(f *testing.F) {
	f.Add("LT-1", "MacBook", "note: yes", "tag")
	f.Add("A", "\"quoted\"", "#x", "~")
	f.Fuzz(func(t *testing.T, id, model, notes, tag string) {
		if !strings.ContainsRune(id, 0) && id != "" {
			for _, s := range []string{id, model, notes, tag} {
				if !utf8Valid(s) {
					return
				}
			}
			a := &record.Asset{APIVersion: "estate/v1", Kind: "Asset", ID: id, Class: "laptop", Status: "in-stock", Model: model, Notes: notes}
			if tag != "" {
				a.Tags = []string{tag}
			}
			roundTrip(t, a)
		}
	})
}

// FuzzRead: no input makes Read panic, and every problem has a position.
func FuzzRead(f *testing.F) {
	for _, n := range []string{"all-columns.csv", "messy.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Read(data, DefaultMapping())
		if err != nil {
			return
		}
		for _, p := range res.Problems {
			if p.Row < 1 {
				t.Fatalf("problem without a row: %+v", p)
			}
		}
		for _, it := range res.Items {
			var got record.Asset
			if err := yaml.Unmarshal(MarshalAsset(it.Asset), &got); err != nil {
				t.Fatalf("imported asset does not read back: %v", err)
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

func TestIsPlain(t *testing.T) {
	for _, c := range []string{"", "a", "A1", "1a", "a b", "a:b", "a#", "x@y.org", "a(b)+c-d_e/f.g", "é", "a\n", "a'", "-a", "a,b"} {
		if isPlain(c) != plainRE.MatchString(c) {
			t.Errorf("isPlain(%q) = %v, plainRE says %v", c, isPlain(c), plainRE.MatchString(c))
		}
	}
	for _, c := range []string{"2023-05-02", "2023-5-02", "20230502xx", "2023/05/02", "abcd-ef-gh", ""} {
		if record.IsDate(c) != dateRE.MatchString(c) {
			t.Errorf("record.IsDate(%q) = %v", c, record.IsDate(c))
		}
	}
}

func FuzzIsPlain(f *testing.F) {
	f.Add("a b")
	f.Fuzz(func(t *testing.T, s string) {
		if isPlain(s) != plainRE.MatchString(s) || record.IsDate(s) != dateRE.MatchString(s) {
			t.Fatalf("%q: hand-written check differs from the regexp", s)
		}
	})
}

func FuzzChecks(f *testing.F) {
	for _, s := range []string{"LT-1", "a@b.c", "a@b", "lt-1.corp", "-a", "a-", "C02 X/1", "a..b", "x@y@z.org", "a@.b", "a@b.", "a\tb@c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name string
			got  bool
			want bool
		}{{"id", isID(s), idRE.MatchString(s)}, {"serial", isSerial(s), serialRE.MatchString(s)},
			{"email", isEmail(s), emailRE.MatchString(s)}, {"hostname", isHostname(s), hostnameRE.MatchString(s)}} {
			if c.got != c.want {
				t.Fatalf("%s(%q) = %v, the regexp says %v", c.name, s, c.got, c.want)
			}
		}
	})
}

// FuzzLoadMapping: no mapping file makes LoadMapping panic; an error
// always names a line and column; what loads holds only known states and
// classes.
func FuzzLoadMapping(f *testing.F) {
	f.Add([]byte("status:\n  Ready: in-stock\ncategory: {Laptops: laptop}\ncurrency: GBP\n"))
	f.Add([]byte("baseline: {laptop: euc-macos}\ndate_order: dmy\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadMapping("m.yaml", data)
		if err != nil {
			var me *MappingError
			if !errors.As(err, &me) || me.Line < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		for _, st := range m.Status {
			if !contains(States, st) {
				t.Fatalf("state %q loaded", st)
			}
		}
		for _, c := range m.Category {
			if !contains(Classes, c) {
				t.Fatalf("class %q loaded", c)
			}
		}
	})
}

// FuzzParseDate: a date read is a real date, and ISO dates read back
// as themselves.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1/23/23", "2024-02-29", "12/31/1999", "2/30/23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, order := range []string{"mdy", "dmy"} {
			d, ok := parseDate(s, order)
			if !ok {
				continue
			}
			iso := d.Format("2006-01-02")
			if back, ok := parseDate(iso, order); !ok || !back.Equal(d) {
				t.Fatalf("%q -> %s does not read back", s, iso)
			}
		}
	})
}
