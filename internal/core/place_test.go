package core_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// TestPlacedFieldsMatchTheFile: where a record says its fields are (kept
// by validation, and by its cache) is where reading and parsing the file
// places them, for generated assets and for assets written in every
// style (flow, comments, quoted keys, fields missing), cold and from the
// cache; and placing findings from the records gives what reading the
// files gives.
func TestPlacedFieldsMatchTheFile(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 300, Seed: 3, Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})); err != nil {
		t.Fatal(err)
	}
	hostile := map[string]string{
		"inventory/laptop/LT-H1.yaml": "{apiVersion: estate/v1, kind: Asset, id: LT-H1, class: laptop, status: in-stock, serial: H1, model: 'X, 1'}\n",
		"inventory/laptop/LT-H2.yaml": "# a comment\n\"apiVersion\": estate/v1\nkind: Asset   # trailing\n'id': LT-H2\nclass: laptop\n\n  # indented comment\nstatus:    deployed\nowner: jane@example.org\nhostname: \"h2\"\nserial: >-\n  H2\nbaseline: euc-macos\n",
		"inventory/laptop/LT-H3.yaml": "---\napiVersion: estate/v1\nkind: Asset\nid: LT-H3\nclass: laptop\nstatus: in-stock\n...\n",
		"inventory/laptop/LT-H4.yaml": "apiVersion: estate/v1\r\nkind: Asset\r\nid: LT-H4\r\nclass: laptop\r\nstatus: in-stock\r\nmanufacturer: Ümlaut GmbH\r\nmodel: \"Ü 日本\"\r\n",
	}
	for p, s := range hostile {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	ctx := context.Background()
	for run := range 2 { // the first fills the cache, the second reads it
		est, err := core.Open(ctx, core.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && est.Cached == 0 {
			t.Fatal("the second run took nothing from the cache")
		}
		var fromRecords, fromFiles []record.Finding
		assets := 0
		for _, r := range est.Records {
			if r.Kind != record.KindAsset {
				continue
			}
			assets++
			data, err := os.ReadFile(filepath.Join(dir, r.Path))
			if err != nil {
				t.Fatal(err)
			}
			root, _ := load.Parse(r.Path, data)
			for _, f := range record.PlacedFields {
				got, ok := r.PosOf(f)
				if want := load.PosOf(r.Path, root, f); !ok || got != want {
					t.Errorf("run %d: %s field %s: the record places it at %v (%v), the file at %v", run, r.Path, f, got, ok, want)
				}
				fromRecords = append(fromRecords, record.Finding{Pos: record.Pos{File: r.Path}, Field: f})
			}
		}
		for _, p := range []string{"LT-H1", "LT-H2", "LT-H3", "LT-H4"} {
			if est.Assets[p] == nil {
				t.Fatalf("run %d: %s is no asset of the estate (the test checks nothing of it)", run, p)
			}
		}
		if assets < 300 {
			t.Fatalf("run %d: %d assets", run, assets)
		}
		fromFiles = append(fromFiles, fromRecords...)
		est.Place(ctx, fromRecords)
		load.PlaceFindings(ctx, est.Tree(), fromFiles)
		for i := range fromFiles {
			if fromRecords[i] != fromFiles[i] {
				t.Fatalf("run %d: placed %v from the record, %v from the file", run, fromRecords[i].Pos, fromFiles[i].Pos)
			}
		}
		est.Close()
	}
}
