package factstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

func ptr[T any](v T) *T { return &v }

func sample(serial, host, at string) record.Device {
	f := facts.New("osquery", "results.log", at)
	f.Identity = record.Identity{Serial: serial, Hostname: host, Model: "MacBookPro18,3", Manufacturer: "Apple Inc."}
	f.OS = &record.OSFacts{Family: "macos", Name: "macOS", Version: "14.6.1", Arch: "arm64"}
	f.Security = &record.Security{DiskEncryption: ptr(true), ScreenLockSeconds: ptr(300), SIP: ptr(false)}
	f.Packages = []record.Package{{Name: "Falcon", Version: "7.10", Source: "apps"}, {Name: "Google Chrome", Version: "131.0"}}
	f.Users = []record.User{{Name: "jane", UID: ptr(501), LoggedIn: true}, {Name: "root"}}
	f.Network = &record.Network{Interfaces: []record.Interface{{Name: "en0", MAC: "aa:bb:cc:dd:ee:ff", Addresses: []string{"10.0.0.2"}}}}
	f.Errors = []string{"firewall: not readable"}
	return record.Device{Source: host, Facts: f}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	bare := facts.New("mdm", "", "2026-11-23T08:00:00Z")
	bare.Identity.Hostname = "kiosk-1"
	bare.Packages = []record.Package{} // known: nothing installed
	in := []record.Device{sample("C02AAA", "lt-1", "2026-11-23T10:00:00Z"), sample("C02BBB", "lt-2", "2026-11-22T23:59:59-05:00"),
		{Source: "kiosk", Facts: bare}}
	sch, err := schema.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	written, failed, err := Write(dir, in, WriteOptions{Shards: 4, Validator: sch.NewValidator()})
	if err != nil || len(failed) > 0 || len(written) != 3 {
		t.Fatalf("write: %+v %+v %v", written, failed, err)
	}
	for _, w := range written {
		rel := Rel(dir, w.Path)
		p, _ := Partition(w.Device.Facts, 4)
		if rel != p+"/part-0.parquet" || !strings.HasPrefix(rel, "date=2026-11-2") {
			t.Errorf("%s written to %s, want %s/part-0.parquet", w.Device.Source, rel, p)
		}
	}
	// -05:00 is the next day in UTC.
	if p, _ := Partition(in[1].Facts, 4); !strings.HasPrefix(p, "date=2026-11-23/") {
		t.Errorf("partition %s, want the UTC date", p)
	}
	// A second write adds part-1, never touches part-0.
	again, _, err := Write(dir, in[:1], WriteOptions{Shards: 4})
	if err != nil || !strings.HasSuffix(again[0].Path, "part-1.parquet") {
		t.Fatalf("second write: %+v %v", again, err)
	}

	devices, findings, files, err := Read(context.Background(), dir, ReadOptions{Prefix: "store/"})
	if err != nil || len(findings) > 0 {
		t.Fatalf("read: %+v %v", findings, err)
	}
	if len(devices) != 4 || len(files) < 3 {
		t.Fatalf("%d devices in %d files", len(devices), len(files))
	}
	got := map[string]*record.Facts{}
	for _, d := range devices {
		if !strings.HasPrefix(d.Source, "store/date=") || !strings.Contains(d.Source, ".parquet:") {
			t.Errorf("source %q, want store/<partition>/part-N.parquet:row", d.Source)
		}
		got[d.Facts.Identity.Hostname] = d.Facts
	}
	for _, d := range in {
		if !reflect.DeepEqual(got[d.Facts.Identity.Hostname], d.Facts) {
			t.Errorf("read back\n%+v\nwant\n%+v", got[d.Facts.Identity.Hostname], d.Facts)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		sum := sha256.Sum256(data)
		if err != nil || f.SHA256 != hex.EncodeToString(sum[:]) || f.Rows < 1 {
			t.Errorf("file %+v: hash or rows wrong (%v)", f, err)
		}
	}
	if !IsStore(dir) || IsStore(t.TempDir()) {
		t.Error("IsStore")
	}
}

// TestPlainParquet: the files are plain Parquet, read by the library's
// generic reader with no knowledge of estate's types (as DuckDB reads
// them), with the columns named as documented.
func TestPlainParquet(t *testing.T) {
	dir := t.TempDir()
	written, _, err := Write(dir, []record.Device{sample("C02AAA", "lt-1", "2026-11-23T10:00:00Z")}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(written[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := parquet.NewReader(f)
	defer r.Close()
	row := map[string]any{}
	if err := r.Read(&row); err != nil {
		t.Fatal(err)
	}
	if row["serial"] != "C02AAA" || row["os_family"] != "macos" || row["disk_encryption"] != true || row["model"] != "MacBookPro18,3" {
		t.Errorf("generic row %v", row)
	}
	pkgs, ok := row["packages"].([]any)
	if !ok || len(pkgs) != 2 {
		t.Fatalf("packages %#v", row["packages"])
	}
	type query struct {
		Model     string `parquet:"model"`
		OSVersion string `parquet:"os_version"`
	}
	rows, err := parquet.ReadFile[query](written[0].Path)
	if err != nil || len(rows) != 1 || rows[0] != (query{"MacBookPro18,3", "14.6.1"}) {
		t.Errorf("a projection: %+v %v", rows, err)
	}
}

// TestMalformedRows: a row estate would refuse is a finding at file:row,
// never skipped silently; a file that is not Parquet, or not estate's,
// is a finding at the file.
func TestMalformedRows(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "date=2026-11-23", "shard=00")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	good := FromFacts(sample("C02AAA", "lt-1", "2026-11-23T10:00:00Z").Facts)
	pigeon, noID, badTime := good, good, good
	pigeon.Collector = "carrier-pigeon"
	noID.Serial, noID.Hostname = "", ""
	badTime.CollectedAt = "yesterday"
	write := func(name string, meta string, rows ...Row) {
		f, err := os.Create(filepath.Join(p, name))
		if err != nil {
			t.Fatal(err)
		}
		w := parquet.NewGenericWriter[Row](f, parquet.KeyValueMetadata(metaAPIVersion, meta))
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	write("part-0.parquet", record.APIVersion, good, pigeon, good, noID, badTime)
	write("part-1.parquet", "someone/v9", good)
	if err := os.WriteFile(filepath.Join(p, "part-2.parquet"), []byte("PAR1 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	devices, findings, files, err := Read(context.Background(), dir, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 2 || len(files) != 3 {
		t.Errorf("%d devices from %d files, want the 2 good rows of 3 files", len(devices), len(files))
	}
	var got []string
	for _, f := range findings {
		got = append(got, f.Pos.String()+" "+f.Rule)
	}
	want := []string{
		"date=2026-11-23/shard=00/notes.txt facts/file",
		"date=2026-11-23/shard=00/part-0.parquet:2 facts/row",
		"date=2026-11-23/shard=00/part-0.parquet:4 facts/row",
		"date=2026-11-23/shard=00/part-0.parquet:5 facts/row",
		"date=2026-11-23/shard=00/part-1.parquet facts/file",
		"date=2026-11-23/shard=00/part-2.parquet facts/file",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(findings[1].Message, `collector "carrier-pigeon"`) {
		t.Errorf("message %q", findings[1].Message)
	}
}
