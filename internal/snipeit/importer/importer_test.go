package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/scaffold"
	"github.com/estate-dev/estate/internal/snipeit"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixtures is <repo root>/../shared/fixtures; a test skips when it is
// missing outside CI and fails when it is missing under CI=true.
func fixtures(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing at %s (CI=true)", dir)
		}
		t.Skipf("fixtures not present at %s", dir)
	}
	return dir
}

// newEstate is what estate init writes, in a temporary folder.
func newEstate(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "estate")
	if _, err := scaffold.Init(scaffold.InitOptions{Dir: dir, NoGit: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// validateErrors are the error findings estate validate reports.
func validateErrors(t *testing.T, dir string) []record.Finding {
	t.Helper()
	e, err := core.Open(context.Background(), core.Options{Dir: dir, Cache: core.CacheOff, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var out []record.Finding
	for _, f := range e.Findings {
		if f.Severity >= record.SeverityError {
			out = append(out, f)
		}
	}
	return out
}

func writeFile(t testing.TB, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Snipe-IT's own sample files, imported into a fresh estate init estate:
// what is written validates (the template's schema/org.cue narrows asset
// ids, which the importer used not to check), and every row not written
// is reported with its CSV row and line.
func TestImportSamplesIntoInitEstateValidates(t *testing.T) {
	dir := fixtures(t)
	for _, c := range []struct{ name, org string }{{"assets-sample.csv", ""}, {"assets-sample-BAD.csv", ""},
		{"assets-sample-BLANKS.csv", ""}, {"assets-sample.csv", "free ids"}, {"assets-sample-BLANKS.csv", "free ids"}} {
		name := c.name
		t.Run(name+c.org, func(t *testing.T) {
			est := newEstate(t)
			if c.org != "" { // without the template's id rule, rows are written
				if err := os.Remove(filepath.Join(est, "schema", "org.cue")); err != nil {
					t.Fatal(err)
				}
			}
			if errs := validateErrors(t, est); len(errs) > 0 {
				t.Fatalf("the new estate does not validate: %v", errs)
			}
			rep, err := Run(context.Background(), Options{Dir: est, File: filepath.Join(dir, "snipe-it", name)})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range validateErrors(t, est) {
				t.Errorf("validate refuses what the import wrote: %s", f)
			}
			for _, p := range rep.Problems {
				if p.Severity == snipeit.Error && (p.Row < 2 || p.Line < 2) {
					t.Errorf("a refused row without its place: %+v", p)
				}
			}
			if rep.Rows == 0 || rep.Created+rep.Refused == 0 || c.org != "" && rep.Created == 0 {
				t.Fatalf("nothing happened: %+v", rep)
			}
			if name == "assets-sample.csv" && c.org != "" {
				// 8 of its 22 rows are checked out to a location: held by it.
				if rep.Rows != 22 || rep.Created != 22 || rep.Refused != 0 {
					t.Errorf("the sample imports whole: %d rows, %d written, %d refused, want 22, 22, 0", rep.Rows, rep.Created, rep.Refused)
				}
				e, err := core.Open(context.Background(), core.Options{Dir: est, Cache: core.CacheOff, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				held := 0
				for _, a := range e.Estate.Assets {
					if record.HolderOf(a).Kind == "location" {
						held++
						if e.Estate.Locations[a.Location] == nil {
							t.Errorf("%s is held by location %q, which was not written", a.ID, a.Location)
						}
					}
				}
				e.Close()
				if held != 8 {
					t.Errorf("%d assets held by a location, want 8", held)
				}
			}
			t.Logf("%s: %d rows, %d written, %d refused", name, rep.Rows, rep.Created, rep.Refused)
		})
	}
}

// An estate whose ids the rows fit: LT-00001 style, as the template wants.
const header = "Asset Tag,Category,Manufacturer,Model Name,Serial Number,Status,Location,Checked Out To: Email,Notes\n"

func row(n int, loc, notes string) string {
	return fmt.Sprintf("LT-%05d,Laptops,Apple,MacBook Air,C02X%06d,Ready to Deploy,%s,,%s\n", n, n, loc, notes)
}

// A 10 MB cell would make a record over the 1 MiB limit: the row is
// refused with the reason, nothing is written for it, and the other rows
// are written.
func TestHugeCellIsRefused(t *testing.T) {
	est := newEstate(t)
	csv := header + row(10, "Head office", strings.Repeat("x", 10<<20)) + row(11, "Head office", "fine")
	rep, err := Run(context.Background(), Options{Dir: est, File: writeFile(t, "big.csv", csv)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Refused != 1 || rep.Created != 1 {
		t.Fatalf("refused %d, created %d; want 1 and 1: %+v", rep.Refused, rep.Created, rep.Problems)
	}
	var reason string
	for _, p := range rep.Problems {
		if p.Row == 2 && p.Severity == snipeit.Error {
			reason = p.Reason
		}
	}
	if !strings.Contains(reason, "too large") {
		t.Errorf("row 2's reason %q does not say the record is too large", reason)
	}
	if _, err := os.Stat(filepath.Join(est, "inventory", "laptop", "LT-00010.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the huge record was written (%v)", err)
	}
	if errs := validateErrors(t, est); len(errs) > 0 {
		t.Errorf("validate: %v", errs)
	}
}

// An import stopped after N files (as kill -9 would stop it) leaves an
// estate that validates: every file is whole, and locations are written
// before the assets that name them. Run again, it completes the import.
func TestInterruptedImportLeavesValidEstateAndRerunCompletes(t *testing.T) {
	var csv strings.Builder
	csv.WriteString(header)
	for i := 1; i <= 30; i++ {
		csv.WriteString(row(100+i, fmt.Sprintf("Site %d", i%4), ""))
	}
	file := writeFile(t, "assets.csv", csv.String())
	for _, stopAfter := range []int{0, 2, 3, 5, 17} {
		t.Run(fmt.Sprint(stopAfter), func(t *testing.T) {
			est := newEstate(t)
			var n atomic.Int32
			crash := errors.New("killed")
			_, err := Run(context.Background(), Options{Dir: est, File: file, Workers: 2, BeforeWrite: func(string) error {
				if int(n.Add(1)) > stopAfter {
					return crash
				}
				return nil
			}})
			if !errors.Is(err, crash) {
				t.Fatalf("the import was not stopped: %v", err)
			}
			for _, f := range validateErrors(t, est) {
				t.Errorf("after a stop at %d files: %s", stopAfter, f)
			}
			rep, err := Run(context.Background(), Options{Dir: est, File: file})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Refused != 0 || rep.Created+rep.Unchanged != 30 {
				t.Errorf("the second run: %d created, %d unchanged, %d refused: %+v", rep.Created, rep.Unchanged, rep.Refused, rep.Problems)
			}
			for i := 1; i <= 30; i++ {
				if _, err := os.Stat(filepath.Join(est, "inventory", "laptop", fmt.Sprintf("LT-%05d.yaml", 100+i))); err != nil {
					t.Errorf("not written by the second run: %v", err)
				}
			}
			if errs := validateErrors(t, est); len(errs) > 0 {
				t.Errorf("after the second run: %v", errs)
			}
		})
	}
}

// TestImportFromASubfolder: run from a folder of the estate (cd
// inventory), the import writes into the estate it finds, as every
// command finds it, not into inventory/inventory/.
func TestImportFromASubfolder(t *testing.T) {
	est := newEstate(t)
	file := writeFile(t, "assets.csv", header+row(101, "Site 1", ""))
	rep, err := Run(context.Background(), Options{Dir: filepath.Join(est, "inventory"), File: file})
	if err != nil || rep.Created == 0 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(est, "inventory", "laptop", "LT-00101.yaml")); err != nil {
		t.Fatalf("not written at the estate's root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(est, "inventory", "inventory")); err == nil {
		t.Fatal("written under inventory/inventory/")
	}
}

// TestImportWritesWhereTheLayoutFiles: with layout.prefix in estate.yaml,
// new assets and locations are written in their prefix folders, and the
// estate validates (a record written elsewhere would be a layout error).
func TestImportWritesWhereTheLayoutFiles(t *testing.T) {
	est := newEstate(t)
	f, err := os.OpenFile(filepath.Join(est, "estate.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("layout:\n  prefix: 5\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	csv := header + row(10, "Paris office", "") + row(11, "Head office", "")
	rep, err := Run(context.Background(), Options{Dir: est, File: writeFile(t, "layout.csv", csv)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Refused != 0 || rep.Created != 2 {
		t.Fatalf("refused %d, created %d; want 0 and 2: %+v", rep.Refused, rep.Created, rep.Problems)
	}
	for _, p := range rep.Plan {
		want := map[string]string{"Asset": "inventory/laptop/LT-00/" + p.ID + ".yaml",
			"Location": "inventory/locations/" + record.LayoutSettings{Prefix: 5}.Folder(p.ID) + "/" + p.ID + ".yaml"}[p.Kind]
		if p.Path != want {
			t.Errorf("%s %s planned at %s, want %s", p.Kind, p.ID, p.Path, want)
		}
		if _, err := os.Stat(filepath.Join(est, filepath.FromSlash(p.Path))); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	if len(rep.Plan) < 3 {
		t.Errorf("want 2 assets and a new location in the plan, got %+v", rep.Plan)
	}
	// estate init's own records are flat, and validate says so; the
	// imported ones are not among its findings.
	planned := map[string]bool{}
	for _, p := range rep.Plan {
		planned[p.Path] = true
	}
	errs := validateErrors(t, est)
	for _, f := range errs {
		if planned[f.Pos.File] {
			t.Errorf("validate: %s", f)
		}
	}
	if len(errs) == 0 {
		t.Error("validate found estate init's flat records in place: the layout rule did not run")
	}
}

// A row checked out to another asset is attached to it; one checked out to
// a location is held by it; --update moves the holder whole.
func TestCheckoutToAssetAndLocation(t *testing.T) {
	est := newEstate(t)
	csv := "Asset Tag,Category,Status,Location,Checkout Type,Checked Out To: Email,Checked Out To: Location,Checked Out To: Asset Tag\n" +
		"DT-00401,Peripherals,Ready to Deploy,,User,jane@example.org,,\n" +
		"MN-00402,Monitors,Ready to Deploy,,Asset,,,DT-00401\n" +
		"MN-00403,Monitors,Ready to Deploy,,Location,,London office,\n" +
		"MN-00404,Monitors,Ready to Deploy,,Asset,,,\n"
	rep, err := Run(context.Background(), Options{Dir: est, File: writeFile(t, "a.csv", csv)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 3 || rep.Refused != 1 {
		t.Fatalf("created %d, refused %d, want 3 and 1: %+v", rep.Created, rep.Refused, rep.Problems)
	}
	for _, f := range validateErrors(t, est) {
		t.Errorf("validate refuses what the import wrote: %s", f)
	}
	e, err := core.Open(context.Background(), core.Options{Dir: est, Cache: core.CacheOff, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if a := e.Estate.Assets["MN-00402"]; a == nil || a.AttachedTo != "DT-00401" || e.Estate.Accountable(a) != "jane@example.org" {
		t.Errorf("MN-00402 = %+v, want attached to DT-00401, accountable jane", a)
	}
	if a := e.Estate.Assets["MN-00403"]; a == nil || a.HeldBy != "location" || a.Location == "" || a.Owner != "" {
		t.Errorf("MN-00403 = %+v, want held by its location", a)
	}
	// The monitor moves to a person: its attachment goes.
	up := "Asset Tag,Category,Checked Out To: Email\nMN-00402,Monitors,bob@example.org\n"
	if _, err := Run(context.Background(), Options{Dir: est, File: writeFile(t, "b.csv", up), Update: true}); err != nil {
		t.Fatal(err)
	}
	e2, err := core.Open(context.Background(), core.Options{Dir: est, Cache: core.CacheOff, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if a := e2.Estate.Assets["MN-00402"]; a.AttachedTo != "" || a.Owner != "bob@example.org" {
		t.Errorf("after the update MN-00402 = %+v, want held by bob alone", a)
	}
}
