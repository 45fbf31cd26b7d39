package snipeit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// fixtures returns the shared third-party fixtures folder
// (<repo root>/../shared/fixtures), skipping when it is absent outside CI.
func fixtures(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "fixtures")
	if d := os.Getenv("ESTATE_FIXTURES"); d != "" {
		dir = d
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing at %s (CI=true)", dir)
		}
		t.Skipf("fixtures not present at %s", dir)
	}
	return dir
}

// TestSnipeITSamples reads Snipe-IT's own sample import files: every data
// row is either imported or listed as an error; nothing is dropped.
func TestSnipeITSamples(t *testing.T) {
	dir := fixtures(t)
	for _, c := range []struct {
		file string
		rows int
	}{{"assets-sample.csv", 0}, {"assets-sample-BAD.csv", 0}, {"assets-sample-BLANKS.csv", 0}} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "snipe-it", c.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Read(data, DefaultMapping())
			if err != nil {
				t.Fatal(err)
			}
			errRows := map[int]bool{}
			empty := 0
			for _, p := range res.Problems {
				if p.Severity == Error {
					if errRows[p.Row] {
						t.Errorf("row %d has two errors", p.Row)
					}
					errRows[p.Row] = true
				}
				if p.Reason == "empty row: nothing to import" {
					empty++
				}
			}
			if len(res.Items)+len(errRows)+empty != res.Rows {
				t.Errorf("%d rows, %d imported, %d refused, %d empty: rows went missing", res.Rows, len(res.Items), len(errRows), empty)
			}
			if res.Rows < 20 {
				t.Errorf("only %d rows read", res.Rows)
			}
			t.Logf("%s: %d rows, %d imported, %d refused, %d problems; unused columns %q", c.file, res.Rows, len(res.Items), len(errRows), len(res.Problems), res.Unused)
		})
	}
}
