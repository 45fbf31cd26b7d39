package factstore_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

var benchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type bench struct {
	e         *record.Estate
	devices   []record.Device
	store     string // a store of the devices
	json      string // a folder of their JSON documents
	storeSize int64
}

var (
	benchOnce sync.Once
	benchData *bench
)

// setup makes about ESTATE_BENCH_DEVICES (default 100,000) synthetic
// devices of baselines of 30 controls (internal/synth), written once as a
// store and as a folder of JSON documents under a temporary folder.
func setup(b *testing.B) *bench {
	benchOnce.Do(func() {
		want := 100_000
		if n, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_DEVICES")); err == nil && n > 0 {
			want = n
		}
		e := synth.Estate(synth.Generate(synth.Config{Assets: want * 215 / 100, Seed: 1, Now: benchNow}))
		fs := synth.Facts(e, synth.FactsConfig{Seed: 1, Now: benchNow})
		s := &bench{e: e, devices: make([]record.Device, len(fs))}
		for i, f := range fs {
			s.devices[i] = record.Device{Source: f.Identity.Hostname, Facts: f}
		}
		dir, err := os.MkdirTemp("", "estate-factstore-bench")
		if err != nil {
			b.Fatal(err)
		}
		s.store, s.json = filepath.Join(dir, "store"), filepath.Join(dir, "json")
		if _, failed, err := factstore.Write(s.store, s.devices, factstore.WriteOptions{}); err != nil || len(failed) > 0 {
			b.Fatalf("write store: %v %v", failed, err)
		}
		filepath.Walk(s.store, func(_ string, fi os.FileInfo, _ error) error {
			if fi != nil && !fi.IsDir() {
				s.storeSize += fi.Size()
			}
			return nil
		})
		benchData = s
	})
	if benchData == nil {
		b.Fatal("setup failed")
	}
	return benchData
}

var jsonOnce sync.Once

// setupJSON also writes the devices as a folder of JSON documents.
func setupJSON(b *testing.B) *bench {
	s := setup(b)
	jsonOnce.Do(func() {
		if _, failed, err := facts.Write(s.json, s.devices, "json", nil); err != nil || len(failed) > 0 {
			b.Fatalf("write json: %v %v", failed, err)
		}
	})
	return s
}

func cleanup() {
	if benchData != nil {
		os.RemoveAll(filepath.Dir(benchData.store))
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// BenchmarkStoreWrite writes the devices to a new store (16 shards a day):
//
//	go test -run '^$' -bench 'Store|AuditFrom' -benchtime 1x ./internal/factstore
func BenchmarkStoreWrite(b *testing.B) {
	s := setup(b)
	cpu0 := cpuTime()
	for b.Loop() {
		dir := b.TempDir()
		if _, _, err := factstore.Write(dir, s.devices, factstore.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(s.devices)), "devices")
	b.ReportMetric(float64(s.storeSize)/float64(len(s.devices)), "bytes/device")
}

// BenchmarkStoreRead reads the store back into facts documents (the
// column reader); BenchmarkStoreReadRows with the row reader, the
// reference it replaced.
func BenchmarkStoreRead(b *testing.B) { benchRead(b, factstore.ReadOptions{}) }

func BenchmarkStoreReadRows(b *testing.B) {
	benchRead(b, factstore.WithRowReader(factstore.ReadOptions{}))
}

func benchRead(b *testing.B, o factstore.ReadOptions) {
	s := setup(b)
	var n int
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		ds, fs, _, err := factstore.Read(context.Background(), s.store, o)
		if err != nil || len(fs) > 0 {
			b.Fatal(err, fs)
		}
		n = len(ds)
	}
	if n != len(s.devices) {
		b.Fatalf("read %d devices, wrote %d", n, len(s.devices))
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(n), "devices")
}

// BenchmarkAuditFromStore is the audit of the devices from the store in
// one process: read and hash every file, merge, audit (the estate loaded
// before). BenchmarkAuditFromJSON is the same from the folder of JSON
// documents (no CUE validation per document, its fastest path).
func BenchmarkAuditFromStore(b *testing.B) {
	s := setup(b)
	benchAudit(b, s, func() ([]record.Device, error) {
		ds, _, _, err := factstore.Read(context.Background(), s.store, factstore.ReadOptions{})
		return ds, err
	})
}

// BenchmarkAuditFromStoreRows is BenchmarkAuditFromStore with the row
// reader (the reference the column reader replaced).
func BenchmarkAuditFromStoreRows(b *testing.B) {
	s := setup(b)
	benchAudit(b, s, func() ([]record.Device, error) {
		ds, _, _, err := factstore.Read(context.Background(), s.store, factstore.WithRowReader(factstore.ReadOptions{}))
		return ds, err
	})
}

func BenchmarkAuditFromJSON(b *testing.B) {
	s := setupJSON(b)
	benchAudit(b, s, func() ([]record.Device, error) {
		ds, _, err := facts.ReadDir(context.Background(), s.json, facts.ReadOptions{})
		return ds, err
	})
}

func benchAudit(b *testing.B, s *bench, read func() ([]record.Device, error)) {
	runtime.GC()
	var res *audit.Result
	var ms runtime.MemStats
	cpu0 := cpuTime()
	for b.Loop() {
		ds, err := read()
		if err != nil {
			b.Fatal(err)
		}
		res = audit.Run(s.e, facts.Merge(ds), audit.Options{Now: benchNow})
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(len(s.devices)), "devices")
	b.ReportMetric(float64(len(res.Findings)), "findings")
	b.ReportMetric(float64(len(s.devices))*float64(b.N)/b.Elapsed().Seconds(), "devices/s")
	if res.Summary.Seen < len(s.devices)*9/10 {
		b.Fatalf("only %d of %d devices matched an asset", res.Summary.Seen, len(s.devices))
	}
}
