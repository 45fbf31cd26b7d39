package factstore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// randomRow is a row of every shape the schema allows: nulls, empty and
// absent lists, interfaces with and without addresses, users with and
// without a uid, and now and then a row estate refuses.
func randomRow(r *rand.Rand, i int) Row {
	pick := func(ss ...string) string { return ss[r.IntN(len(ss))] }
	opt := func() *bool {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return ptr(true)
		}
		return ptr(false)
	}
	row := Row{CollectedAt: time.Date(2026, 11, 20+r.IntN(4), r.IntN(24), 0, 0, 0, time.UTC).Format(time.RFC3339),
		Collector: pick("osquery", "ssh", "mdm", "local", "file"), CollectorVersion: pick("", "1.0", "5.12.1"), CollectorSource: pick("", "intune", "results.log"),
		Serial: fmt.Sprintf("SN%06d", r.IntN(5000)), Hostname: pick("", fmt.Sprintf("host-%d", i), "lt-ü-1"), Model: pick("", "MacBookPro18,3", "Latitude 7440"),
		Manufacturer: pick("", "Apple Inc.", "Dell"), UUID: pick("", fmt.Sprintf("uuid-%d", i)),
		OSFamily: pick("", "macos", "windows", "linux"), OSName: pick("", "macOS", "Ubuntu"), OSVersion: pick("", "14.6.1", "22.04"),
		OSBuild: pick("", "24B91"), OSKernel: pick("", "6.8.0"), OSArch: pick("", "arm64", "x86_64"),
		DiskEncryption: opt(), Firewall: opt(), AutoUpdates: opt(), SecureBoot: opt(), Gatekeeper: opt(), SIP: opt(), Compliant: opt()}
	if r.IntN(3) > 0 {
		row.ScreenLockSeconds = ptr(int64(r.IntN(1000)))
	}
	if r.IntN(4) > 0 {
		row.HasPackages = true
		for k := range r.IntN(25) {
			row.Packages = append(row.Packages, PackageRow{Name: fmt.Sprintf("pkg-%d", r.IntN(40)), Version: pick("1.2.3", "131.0", ""), Source: pick("", "apps", "deb")})
			_ = k
		}
	}
	if r.IntN(3) > 0 {
		row.HasUsers = true
		for range r.IntN(3) {
			u := UserRow{Name: pick("jane", "root", "omar"), LoggedIn: r.IntN(2) == 0}
			if r.IntN(2) == 0 {
				u.UID = ptr(int64(r.IntN(1000)))
			}
			row.Users = append(row.Users, u)
		}
	}
	for range r.IntN(3) {
		in := IfaceRow{Name: pick("en0", "eth0", ""), MAC: pick("", "aa:bb:cc:dd:ee:ff")}
		for range r.IntN(3) {
			in.Addresses = append(in.Addresses, pick("10.0.0.2", "fe80::1"))
		}
		row.Interfaces = append(row.Interfaces, in)
	}
	for range r.IntN(2) {
		row.Errors = append(row.Errors, pick("firewall: not readable", "users: timeout"))
	}
	switch r.IntN(40) { // a row estate refuses, each way
	case 0:
		row.CollectedAt = ""
	case 1:
		row.Collector = "carrier-pigeon"
	case 2:
		row.Serial, row.Hostname = "", ""
	case 3:
		row.OSFamily = "beos"
	case 4:
		row.ScreenLockSeconds = ptr(int64(-1))
	case 5:
		row.ScreenLockSeconds = ptr(int64(1<<31 + 1))
	case 6:
		row.CollectedAt = "yesterday"
	case 7:
		row.HasPackages, row.Packages = true, append(row.Packages, PackageRow{Version: "1"})
	case 8:
		row.HasUsers, row.Users = true, append(row.Users, UserRow{})
	case 9:
		row.HasPackages, row.Packages = false, []PackageRow{{Name: "x"}}
	case 10:
		row.HasUsers, row.Users = false, []UserRow{{Name: "x"}}
	}
	return row
}

func writeRows(t *testing.T, file string, rows []Row, opts ...parquet.WriterOption) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Row](&buf, append([]parquet.WriterOption{parquet.KeyValueMetadata(metaAPIVersion, record.APIVersion)}, opts...)...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestColumnReaderSameAsRowReader: the column reader gives exactly the
// devices, findings and file hashes the row reader (parquet's generic
// reader into Row) gives, on a store estate wrote from synthetic facts
// and on files of every shape the schema allows, written with small row
// groups and pages, version 1 pages, no dictionaries, another schema, or
// damaged; and it did read estate's own files itself (not by falling
// back).
func TestColumnReaderSameAsRowReader(t *testing.T) {
	dir, h, synthetic := hostileStore(t)
	col, colF, colFiles, err := Read(context.Background(), dir, ReadOptions{Prefix: "store/"})
	if err != nil {
		t.Fatal(err)
	}
	row, rowF, rowFiles, err := Read(context.Background(), dir, ReadOptions{Prefix: "store/", rowReader: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(row) < synthetic+2000 || len(rowF) < 50 {
		t.Fatalf("the reference read %d devices and %d findings: the test checks too little", len(row), len(rowF))
	}
	sameRead(t, col, colF, colFiles, row, rowF, rowFiles)
	// The column reader read estate's files itself.
	for _, f := range []string{"part-0", "part-1", "part-2", "part-3", "part-4"} {
		data, _ := os.ReadFile(filepath.Join(h, f+".parquet"))
		pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := readColumns(pf, f, &colReader{}, selection{}); !ok {
			t.Errorf("%s: the column reader gave it to the row reader", f)
		}
	}
}

// TestReadPicked: ReadPicked asks pick of every valid row's light facts
// (its identity, collector and time as read in full) and returns in full
// exactly the devices picked, with the findings and hashes of a whole
// read.
func TestReadPicked(t *testing.T) {
	dir, _, _ := hostileStore(t)
	whole, wholeF, wholeFiles, err := Read(context.Background(), dir, ReadOptions{Prefix: "store/", rowReader: true})
	if err != nil {
		t.Fatal(err)
	}
	type light struct {
		id        record.Identity
		collector record.Collector
		at        string
	}
	var mu sync.Mutex
	asked := map[light]int{}
	keep := func(f *record.Facts) bool {
		return len(f.Identity.Hostname)%3 == 0 || f.Identity.Serial == "" || strings.HasSuffix(f.Identity.Serial, "7")
	}
	got, gotF, gotFiles, err := ReadPicked(context.Background(), dir, ReadOptions{Prefix: "store/"}, func(f *record.Facts) bool {
		mu.Lock()
		asked[light{f.Identity, f.Collector, f.CollectedAt}]++
		mu.Unlock()
		return keep(f)
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []record.Device
	for _, d := range whole {
		f := d.Facts
		l := light{f.Identity, f.Collector, f.CollectedAt}
		if asked[l] == 0 {
			t.Fatalf("pick was not asked of %s (%+v)", d.Source, l)
		}
		asked[l]--
		if keep(f) {
			want = append(want, d)
		}
	}
	for l, n := range asked {
		if n > 0 {
			t.Fatalf("pick was asked of %+v, no valid row", l)
		}
	}
	if len(want) < 500 || len(want) > len(whole)-500 {
		t.Fatalf("picked %d of %d: the test checks too little", len(want), len(whole))
	}
	sameRead(t, got, gotF, gotFiles, want, wholeF, wholeFiles)
}

func sameRead(t *testing.T, col []record.Device, colF []record.Finding, colFiles []File, row []record.Device, rowF []record.Finding, rowFiles []File) {
	t.Helper()
	if !reflect.DeepEqual(colFiles, rowFiles) {
		t.Errorf("files differ:\n%+v\n%+v", colFiles, rowFiles)
	}
	if !reflect.DeepEqual(colF, rowF) {
		t.Errorf("findings differ: %d and %d", len(colF), len(rowF))
		for i := range min(len(colF), len(rowF)) {
			if !reflect.DeepEqual(colF[i], rowF[i]) {
				t.Fatalf("first difference:\n%+v\n%+v", colF[i], rowF[i])
			}
		}
	}
	if len(col) != len(row) {
		t.Fatalf("%d devices, the reference %d", len(col), len(row))
	}
	for i := range col {
		if !reflect.DeepEqual(col[i], row[i]) {
			t.Fatalf("device %d differs:\n%+v\n%+v", i, col[i].Facts, row[i].Facts)
		}
	}
}

// hostileStore writes a store of synthetic facts (with small row groups)
// and, in date=2026-11-24/shard=00 (h), files of random rows written
// every way, one of another schema and a damaged one.
func hostileStore(t *testing.T) (dir, h string, synthetic int) {
	dir = t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	fs := synth.Facts(synth.Estate(synth.Generate(synth.Config{Assets: 3000, Seed: 7, Now: now})), synth.FactsConfig{Seed: 7, Now: now})
	devices := make([]record.Device, len(fs))
	for i, f := range fs {
		devices[i] = record.Device{Source: f.Identity.Hostname, Facts: f}
	}
	if _, failed, err := Write(dir, devices, WriteOptions{RowGroup: 100}); err != nil || len(failed) > 0 {
		t.Fatal(failed, err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]Row, 3000)
	for i := range rows {
		rows[i] = randomRow(r, i)
	}
	h = filepath.Join(dir, "date=2026-11-24", "shard=00")
	writeRows(t, filepath.Join(h, "part-0.parquet"), rows)
	writeRows(t, filepath.Join(h, "part-1.parquet"), rows[:1000], parquet.MaxRowsPerRowGroup(77), parquet.PageBufferSize(512))
	writeRows(t, filepath.Join(h, "part-2.parquet"), rows[1000:2000], parquet.DataPageVersion(1), parquet.PageBufferSize(1024))
	writeRows(t, filepath.Join(h, "part-3.parquet"), rows[2000:], parquet.DefaultEncoding(&parquet.Plain), parquet.MaxRowsPerRowGroup(500))
	writeRows(t, filepath.Join(h, "part-4.parquet"), nil)
	// Another schema: fewer columns (read by the row reader).
	type short struct {
		CollectedAt string `parquet:"collected_at"`
		Collector   string `parquet:"collector"`
		Serial      string `parquet:"serial"`
		Hostname    string `parquet:"hostname"`
		Extra       int64  `parquet:"extra"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[short](&buf, parquet.KeyValueMetadata(metaAPIVersion, record.APIVersion))
	shorts := []short{{"", "mdm", "S2", "", 0}}
	for i := range 30 {
		shorts = append(shorts, short{"2026-11-23T10:00:00Z", "mdm", fmt.Sprintf("S%d", i), fmt.Sprintf("h%d", i%4), 3})
	}
	w.Write(shorts)
	w.Close()
	os.WriteFile(filepath.Join(h, "part-5.parquet"), buf.Bytes(), 0o644)
	// Damaged: a valid file with bytes of its column data flipped.
	data, _ := os.ReadFile(filepath.Join(h, "part-1.parquet"))
	for i := 200; i < len(data)/2; i += 97 {
		data[i] ^= 0x5a
	}
	os.WriteFile(filepath.Join(h, "part-6.parquet"), data, 0o644)

	return dir, h, len(devices)
}
