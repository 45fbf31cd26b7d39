package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

const asset = `apiVersion: estate/v1
kind: Asset
id: %s
class: laptop
status: in-stock
`

func estate(t *testing.T, files map[string]string) string {
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

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func assetYAML(id string) []byte { return []byte(strings.Replace(asset, "%s", id, 1)) }

func refusedBy(t *testing.T, err error, rule string) {
	t.Helper()
	var r *RefusedError
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal by %s, got %v", rule, err)
	}
	for _, f := range r.Findings {
		if f.Rule == rule {
			return
		}
	}
	t.Fatalf("refused, but not by %s: %v", rule, err)
}

// Two ids that differ only in case are two files on Linux and one on
// macOS and Windows: the writer refuses the second, in any folder.
func TestCaseOnlyIDIsRefused(t *testing.T) {
	dir := estate(t, map[string]string{"inventory/laptop/LT-1.yaml": string(assetYAML("LT-1"))})
	s := open(t, dir)
	err := s.Write("inventory/laptop/lt-1.yaml", assetYAML("lt-1"), Create)
	refusedBy(t, err, "unique-id")
	if !strings.Contains(err.Error(), "differs only in case") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	desk := strings.Replace(string(assetYAML("LT-1")), "laptop", "desktop", 1)
	refusedBy(t, s.Write("inventory/desktop/LT-1.yaml", []byte(desk), Create), "unique-id")
	// Within one run too: the first write takes the id.
	if err := s.Write("inventory/laptop/LT-2.yaml", assetYAML("LT-2"), Create); err != nil {
		t.Fatal(err)
	}
	refusedBy(t, s.Write("inventory/laptop/lt-2.yaml", assetYAML("lt-2"), Create), "unique-id")
	if entries, _ := os.ReadDir(filepath.Join(dir, "inventory", "laptop")); len(entries) != 2 {
		t.Errorf("want LT-1 and LT-2 only, got %v", entries)
	}
}

// The writer refuses what estate validate would refuse, naming the file,
// line, field and rule; nothing is written.
func TestWriteRefusesWhatValidateRefuses(t *testing.T) {
	dir := estate(t, map[string]string{
		"estate.yaml":    "apiVersion: estate/v1\nkind: Settings\nids: {asset: \"^LT-[0-9]{4}$\"}\n",
		"schema/org.cue": "package estate\n#Asset: serial?: =~\"^C\"\n",
	})
	s := open(t, dir)
	cases := []struct {
		path, data, rule string
	}{
		{"inventory/laptop/LT-12.yaml", string(assetYAML("LT-12")), "id-pattern"},
		{"inventory/laptop/LT-0002.yaml", string(assetYAML("LT-0003")), "file-name"},
		{"inventory/desktop/LT-0004.yaml", string(assetYAML("LT-0004")), "layout"},
		{"inventory/laptop/LT-0005.yaml", string(assetYAML("LT-0005")) + "serial: X1\n", "schema"},
		{"inventory/laptop/LT-0006.yaml", string(assetYAML("LT-0006")) + "colour: red\n", "schema"},
		{"inventory/laptop/LT-0007.yaml", string(assetYAML("LT-0007")) + "notes: " + strings.Repeat("x", 1<<20) + "\n", "file"},
		{"inventory/laptop/LT-0008.yaml", string(assetYAML("LT-0008")) + "notes: \"\xff\"\n", "yaml"},
		{"inventory/laptop/LT-0009.yaml", string(assetYAML("LT-0009")) + "notes: AKIAIOSFODNN7EXAMPLE\n", "secret"},
	}
	for _, c := range cases {
		err := s.Write(c.path, []byte(c.data), Create)
		refusedBy(t, err, c.rule)
		if !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: the refusal does not name the file: %v", c.path, err)
		}
		if _, serr := os.Stat(filepath.Join(dir, filepath.FromSlash(c.path))); serr == nil {
			t.Errorf("%s was written", c.path)
		}
	}
	if err := s.Write("inventory/laptop/LT-0001.yaml", []byte(string(assetYAML("LT-0001"))+"serial: C1\n"), Create); err != nil {
		t.Fatalf("a good record: %v", err)
	}
}

// Create never replaces a file; Replace replaces only a record that is there.
func TestCreateNeverOverwrites(t *testing.T) {
	dir := estate(t, map[string]string{"inventory/laptop/LT-1.yaml": "# mine\n" + string(assetYAML("LT-1"))})
	s := open(t, dir)
	err := s.Write("inventory/laptop/LT-1.yaml", assetYAML("LT-1"), Create)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("want fs.ErrExist, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "inventory", "laptop", "LT-1.yaml")); !strings.HasPrefix(string(b), "# mine") {
		t.Error("the file was overwritten")
	}
	if err := s.Write("inventory/laptop/LT-1.yaml", assetYAML("LT-1"), Replace); err != nil {
		t.Fatal(err)
	}
	if err := s.Write("inventory/laptop/LT-3.yaml", assetYAML("LT-3"), Replace); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a replace of a missing record: %v", err)
	}
}

// Render writes yaml.v3 that reads back as the same record, dates and
// numbers as people write them.
func TestRenderRoundTrip(t *testing.T) {
	a := &record.Asset{APIVersion: record.APIVersion, Kind: "Asset", ID: "LT-1", Class: "laptop", Status: "in-stock",
		Serial: "12345", Model: "yes", Notes: "two\nlines: # not a comment",
		Purchase: &record.Purchase{Date: "2023-05-02", Cost: 2199, Currency: "GBP"}}
	data, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n  date: 2023-05-02\n", "\n  cost: 2199\n", "serial: \"12345\"", "model: \"yes\""} {
		if !strings.Contains(string(data), want) {
			t.Errorf("rendered without %q:\n%s", want, data)
		}
	}
	s := open(t, t.TempDir())
	rec, errs := s.Check("inventory/laptop/LT-1.yaml", data)
	if len(errs) > 0 {
		t.Fatalf("the rendered record is refused: %v", errs)
	}
	if got, _ := Render(rec.Asset); string(got) != string(data) {
		t.Errorf("read back differently:\n%s\nwant\n%s", got, data)
	}
}
