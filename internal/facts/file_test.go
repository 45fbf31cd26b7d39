package facts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/schema"
)

const goodDoc = `{
  "apiVersion": "estate/v1",
  "kind": "Facts",
  "collected_at": "2026-11-22T09:00:00Z",
  "collector": {"name": "mdm", "source": "jamf"},
  "identity": {"serial": "L4X9KQ7MWR", "hostname": "lt-00101"},
  "os": {"family": "macos", "version": "14.6.1"},
  "security": {"disk_encryption": true},
  "packages": [{"name": "Google Chrome", "version": "131.0.6778.86"}]
}
`

func TestReadDir(t *testing.T) {
	sch, err := schema.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "good.json", goodDoc)
	write(t, dir, "also-good.yaml", "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-22T09:00:00Z\ncollector: {name: file}\nidentity: {hostname: dt-00401}\n")
	write(t, dir, "missing.json", strings.Replace(goodDoc, `"collected_at": "2026-11-22T09:00:00Z",`, "", 1))
	write(t, dir, "wrong-type.json", strings.Replace(goodDoc, `"disk_encryption": true`, `"disk_encryption": "yes"`, 1))
	write(t, dir, "two-serials.json", strings.Replace(goodDoc, `"serial": "L4X9KQ7MWR",`, `"serial": "L4X9KQ7MWR", "serial": "C02OTHER",`, 1))
	write(t, dir, "serial-list.json", strings.Replace(goodDoc, `"serial": "L4X9KQ7MWR"`, `"serial": ["L4X9KQ7MWR", "C02OTHER"]`, 1))
	write(t, dir, "anonymous.json", strings.Replace(goodDoc, `"serial": "L4X9KQ7MWR", "hostname": "lt-00101"`, ``, 1))
	write(t, dir, "README.md", "# facts\n")
	write(t, dir, "notes.txt", "x")
	// A 100 MB facts file: refused unread, by its size.
	big, err := os.Create(filepath.Join(dir, "huge.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	big.Close()

	ds, fs, err := ReadDir(context.Background(), dir, ReadOptions{Schema: sch, Prefix: "facts/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Source != "facts/also-good.yaml" || ds[1].Source != "facts/good.json" || ds[1].Facts.Identity.Serial != "L4X9KQ7MWR" {
		t.Errorf("devices = %+v", ds)
	}
	msgs := map[string]string{}
	for _, f := range fs {
		msgs[f.Pos.File] += f.Pos.String() + " " + f.Message + "\n"
	}
	for file, want := range map[string]string{
		"facts/missing.json":     "collected_at",
		"facts/wrong-type.json":  "facts/wrong-type.json:8:",
		"facts/two-serials.json": "serial",
		"facts/serial-list.json": "facts/serial-list.json:6:",
		"facts/anonymous.json":   "neither a serial nor a hostname",
		"facts/huge.json":        "the file is 100.0 MB, over the 16.0 MB limit",
		"facts/notes.txt":        "not a facts file",
	} {
		if !strings.Contains(msgs[file], want) {
			t.Errorf("%s: %q, want it to say %q", file, msgs[file], want)
		}
		if file != "facts/notes.txt" && !strings.Contains(msgs[file], "were not used") {
			t.Errorf("%s: %q does not say the device's facts were not used", file, msgs[file])
		}
	}
	if len(msgs) != 7 {
		t.Errorf("findings on %d files, want 7: %v", len(msgs), msgs)
	}
}

func FuzzParse(f *testing.F) {
	sch, err := schema.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	v := sch.NewValidator()
	f.Add([]byte(goodDoc))
	f.Add([]byte("kind: Facts\nidentity: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		facts, fs := Parse("f.json", b, v)
		if facts == nil && len(fs) == 0 {
			t.Fatal("neither facts nor findings")
		}
	})
}
