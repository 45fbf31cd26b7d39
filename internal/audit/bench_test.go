package audit_test

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

var benchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type benchEstate struct {
	e       *record.Estate
	devices []record.Device
}

var (
	benchOnce  sync.Once
	benchCache *benchEstate
)

// benchSetup generates an estate whose deployed computers are about
// ESTATE_BENCH_DEVICES devices (default 100,000), with their facts.
func benchSetup(tb testing.TB) *benchEstate {
	benchOnce.Do(func() {
		want := 100_000
		if s := os.Getenv("ESTATE_BENCH_DEVICES"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n > 0 {
				want = n
			}
		}
		// About 47% of synthetic assets are deployed or loaned computers.
		files := synth.Generate(synth.Config{Assets: want * 215 / 100, Seed: 1, Now: benchNow})
		e := synth.Estate(files)
		fs := synth.Facts(e, synth.FactsConfig{Seed: 1, Now: benchNow})
		devs := make([]record.Device, len(fs))
		for i, f := range fs {
			devs[i] = record.Device{Source: "facts/" + f.Identity.Hostname + ".json", Facts: f}
		}
		benchCache = &benchEstate{e: e, devices: devs}
	})
	return benchCache
}

// BenchmarkAudit100k audits 100,000 synthetic devices against baselines of
// 30 controls (10 inherited from euc-common):
//
//	go test -run '^$' -bench Audit100k -benchtime 5x ./internal/audit
func BenchmarkAudit100k(b *testing.B) {
	s := benchSetup(b)
	controls := 0
	for _, name := range []string{"euc-macos", "euc-windows", "euc-linux"} {
		controls += len(s.e.Baselines[name].Controls)
	}
	var res *audit.Result
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		res = audit.Run(s.e, s.devices, audit.Options{Now: benchNow})
	}
	// CPU seconds per audit: on a shared machine wall time says how busy
	// the others were; CPU time says what the audit costs.
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(s.devices)), "devices")
	b.ReportMetric(float64(len(s.devices))*float64(b.N)/b.Elapsed().Seconds(), "devices/s")
	b.ReportMetric(float64(len(res.Findings)), "findings")
	if res.Summary.Seen < len(s.devices)*9/10 {
		b.Fatalf("only %d of %d devices matched an asset", res.Summary.Seen, len(s.devices))
	}
}

// The synthetic estate audits as its generator intends: most devices are
// matched, some are not compliant, and a few are missing or unregistered.
func TestSyntheticAudit(t *testing.T) {
	files := synth.Generate(synth.Config{Assets: 3000, Seed: 7, Now: benchNow})
	e := synth.Estate(files)
	fs := synth.Facts(e, synth.FactsConfig{Seed: 7, Now: benchNow})
	devs := make([]record.Device, len(fs))
	for i, f := range fs {
		devs[i] = record.Device{Source: f.Identity.Hostname, Facts: f}
	}
	s := audit.Run(e, devs, audit.Options{Now: benchNow}).Summary
	if s.Seen < 1000 || s.NonCompliant == 0 || s.Compliant == 0 || s.Missing == 0 || s.Unregistered == 0 {
		t.Errorf("summary = %+v", s)
	}
	for _, b := range s.Baselines {
		if len(b.Controls) != 30 {
			t.Errorf("%s has %d effective controls, want 30", b.Name, len(b.Controls))
		}
	}
	t.Logf("%d devices: %d compliant, %d non-compliant, %d unverified, %d missing, %d unregistered",
		s.Devices, s.Compliant, s.NonCompliant, s.Unverified, s.Missing, s.Unregistered)
}

// TestWriteSyntheticEstate writes a synthetic estate with its facts/ for
// end-to-end measurements of 'estate audit' (docs/performance.md); it runs
// only when asked:
//
//	ESTATE_SYNTH_DIR=/tmp/e10k ESTATE_BENCH_DEVICES=10000 go test -run WriteSyntheticEstate ./internal/audit
func TestWriteSyntheticEstate(t *testing.T) {
	dir := os.Getenv("ESTATE_SYNTH_DIR")
	if dir == "" {
		t.Skip("set ESTATE_SYNTH_DIR to write a synthetic estate with facts")
	}
	want := 10_000
	if n, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_DEVICES")); err == nil && n > 0 {
		want = n
	}
	files := synth.Generate(synth.Config{Assets: want * 215 / 100, Seed: 1, Now: benchNow})
	facts, err := synth.FactsFiles(synth.Facts(synth.Estate(files), synth.FactsConfig{Seed: 1, Now: benchNow}))
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.Write(dir, append(files, facts...)); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d records and %d facts documents to %s", len(files), len(facts), dir)
}
