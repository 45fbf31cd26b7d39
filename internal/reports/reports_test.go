package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/snipeit"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// writeEstate writes files (path: content) into a new folder.
func writeEstate(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var smallEstate = map[string]string{
	"estate.yaml":                  "apiVersion: estate/v1\nkind: Settings\n",
	"inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London HQ\ntype: site\n",
	"inventory/monitor/MN-1.yaml": "apiVersion: estate/v1\nkind: Asset\nid: MN-1\nclass: monitor\nstatus: in-stock\nlocation: LON\n" +
		"model: \"\\r@SUM(A1)\"\nnotes: \"\\t=HYPERLINK(\\\"http://evil\\\")\"\n",
	"inventory/monitor/MN-2.yaml": "apiVersion: estate/v1\nkind: Asset\nid: MN-2\nclass: monitor\nstatus: retired\nmodel: \"-3\"\n",
}

// TestExportCSVDefusesTabAndCR: a cell that starts with a tab or a
// carriage return is a formula to a spreadsheet too (OWASP); export csv
// used to write them as they were. Import reads the tab one back.
func TestExportCSVDefusesTabAndCR(t *testing.T) {
	dir := writeEstate(t, smallEstate)
	var out bytes.Buffer
	n, err := ExportCSV(context.Background(), ExportOptions{Env: Env{Dir: dir, Now: testNow}, Stdout: &out})
	if err != nil || n != 2 {
		t.Fatalf("ExportCSV = %d, %v", n, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cell := func(row int, col string) string {
		for i, c := range recs[0] {
			if c == col {
				return recs[row][i]
			}
		}
		t.Fatalf("no column %q", col)
		return ""
	}
	if got := cell(1, "Notes"); got != "'\t=HYPERLINK(\"http://evil\")" {
		t.Errorf("Notes = %q: a leading tab is not defused", got)
	}
	if got := cell(1, "Model Name"); got != "'\r@SUM(A1)" {
		t.Errorf("Model Name = %q: a leading carriage return is not defused", got)
	}
	if got := cell(2, "Model Name"); got != "-3" {
		t.Errorf("Model Name = %q: a number was escaped", got)
	}
	back, err := snipeit.Read(out.Bytes(), snipeit.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Items) != 2 || back.Items[0].Asset.Notes != "\t=HYPERLINK(\"http://evil\")" {
		t.Errorf("read back: %+v", back.Items)
	}
}

func TestExportCSVFilters(t *testing.T) {
	dir := writeEstate(t, smallEstate)
	path := filepath.Join(t.TempDir(), "out.csv")
	o := ExportOptions{Env: Env{Dir: dir, Now: testNow}, Statuses: []string{"retired"}, Output: path}
	if n, err := ExportCSV(context.Background(), o); err != nil || n != 1 {
		t.Fatalf("ExportCSV = %d, %v", n, err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "\nMN-2,") || strings.Contains(string(data), "MN-1") {
		t.Errorf("%s: %q (%v)", path, data, err)
	}
	o.Output = filepath.Join(dir, "no", "such", "dir.csv")
	if _, err := ExportCSV(context.Background(), o); !errors.Is(err, core.ErrUsage) {
		t.Errorf("a file that cannot be created: %v, want a usage error", err)
	}
}

// TestLicencesWarnsOfBrokenFacts: a broken facts document is a warning
// at its file:line:column, and the good documents are used.
func TestLicencesWarnsOfBrokenFacts(t *testing.T) {
	files := map[string]string{
		"facts/good.yaml": "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-22T10:00:00Z\ncollector: {name: file}\nidentity: {serial: S3}\n",
		"facts/x.yaml":    "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-22T10:00:00Z\ncollector: {name: carrier-pigeon}\nidentity: {}\n",
	}
	for p, d := range smallEstate {
		files[p] = d
	}
	dir := writeEstate(t, files)
	var warnings []string
	env := Env{Dir: dir, Now: testNow, Warn: func(msg string) { warnings = append(warnings, msg) }}
	rep, err := Licences(context.Background(), LicencesOptions{Env: env, ExpiringWithin: 90})
	if err != nil {
		t.Fatal(err)
	}
	if rep.FactsDevices != 1 || rep.Findings == nil {
		t.Errorf("facts devices = %d, findings %v", rep.FactsDevices, rep.Findings)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "facts/x.yaml:4:") {
		t.Errorf("warnings = %q", warnings)
	}
}

// TestHTMLReferenceEstateAsOf: the service report of the reference
// estate as of the day its facts were collected shows the compliance it
// is meant to show on any later day; judged now, the stale facts fail
// freshness everywhere.
func TestHTMLReferenceEstateAsOf(t *testing.T) {
	if _, err := os.Stat("../../facts"); err != nil {
		t.Skip("no reference facts/")
	}
	later := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	asOf, err := HTML(context.Background(), HTMLOptions{Env: Env{Dir: "../..", Now: later}, AsOf: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	if asOf.Current == nil || asOf.Current.Compliant == 0 || asOf.Current.Devices < 20 {
		t.Fatalf("as of 2026-11-23: %+v", asOf.Current)
	}
	now, err := HTML(context.Background(), HTMLOptions{Env: Env{Dir: "../..", Now: later}})
	if err != nil {
		t.Fatal(err)
	}
	if now.Current == nil || now.Current.Compliant != 0 {
		t.Fatalf("judged in 2027 the facts of 2026-11-23 are stale: %+v", now.Current)
	}
}
