package auditrun

import (
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

var badDayNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// badDay turns a synthetic device's facts into those of a bad day (a new
// baseline): about five findings a device — an old OS, the firewall off,
// an old browser (three failures) and auto-updates and secure boot not
// collected (two unverified).
func badDay(f *record.Facts) {
	if f.Security != nil {
		no := false
		f.Security.Firewall = &no
		f.Security.AutoUpdates, f.Security.SecureBoot = nil, nil
	}
	if f.OS != nil {
		f.OS.Version = map[string]string{"macos": "13.6.9", "windows": "10.0.19045", "linux": "20.04"}[f.OS.Family]
	}
	for i := range f.Packages {
		switch f.Packages[i].Name {
		case "Google Chrome", "google-chrome-stable":
			f.Packages[i].Version = "118.0.5993.117"
		}
	}
}

// fiveFindings turns a synthetic device's facts into those of the
// issue's case, five findings a device: an old OS (three controls of the
// synthetic baselines check the version) and the firewall off (two).
func fiveFindings(f *record.Facts) {
	if f.Security != nil {
		no := false
		f.Security.Firewall = &no
	}
	if f.OS != nil {
		f.OS.Version = map[string]string{"macos": "13.6.9", "windows": "10.0.19045", "linux": "20.04"}[f.OS.Family]
	}
}

// writeBadDayEstate writes a synthetic estate of about devices deployed
// computers, with the facts of a bad day, into dir: badDay's (about ten
// findings a device), or with ESTATE_BENCH_FINDINGS=5 fiveFindings'.
func writeBadDayEstate(tb testing.TB, dir string, devices int) {
	files := synth.Generate(synth.Config{Assets: devices * 215 / 100, Seed: 1, Now: badDayNow})
	fs := synth.Facts(synth.Estate(files), synth.FactsConfig{Seed: 1, Now: badDayNow})
	day := badDay
	if os.Getenv("ESTATE_BENCH_FINDINGS") == "5" {
		day = fiveFindings
	}
	for _, f := range fs {
		day(f)
	}
	facts, err := synth.FactsFiles(fs)
	if err != nil {
		tb.Fatal(err)
	}
	if err := synth.Write(dir, append(files, facts...)); err != nil {
		tb.Fatal(err)
	}
}

func benchDevices() int {
	if n, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_DEVICES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// TestWriteBadDayEstate writes the bad-day estate for measuring the
// estate audit command end to end (docs/performance.md); only when asked:
//
//	ESTATE_SYNTH_DIR=/tmp/bad100k ESTATE_BENCH_DEVICES=100000 go test -run WriteBadDayEstate ./internal/auditrun
func TestWriteBadDayEstate(t *testing.T) {
	dir := os.Getenv("ESTATE_SYNTH_DIR")
	if dir == "" {
		t.Skip("set ESTATE_SYNTH_DIR to write a bad-day synthetic estate with facts")
	}
	writeBadDayEstate(t, dir, benchDevices())
}

var (
	benchDirOnce sync.Once
	benchDir     string
)

// BenchmarkAuditReport audits the bad-day estate of ESTATE_BENCH_DEVICES
// devices (default 100,000; about 5 findings each) from its folders and
// writes the JSON report, as 'estate audit --format json' does; with
// ESTATE_BENCH_SHARDS=N it audits each of N parts and merges them:
//
//	go test -run '^$' -bench AuditReport -benchtime 1x -timeout 30m ./internal/auditrun
func BenchmarkAuditReport(b *testing.B) {
	benchDirOnce.Do(func() {
		benchDir = os.Getenv("ESTATE_BENCH_ESTATE")
		if benchDir == "" {
			d, err := os.MkdirTemp("", "estate-bench-")
			if err != nil {
				b.Fatal(err)
			}
			writeBadDayEstate(b, d, benchDevices())
			benchDir = d
		}
	})
	shards, _ := strconv.Atoi(os.Getenv("ESTATE_BENCH_SHARDS"))
	ctx := context.Background()
	var findings int
	var worstPart, merge time.Duration
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if shards <= 1 {
			res, err := Run(ctx, Options{Dir: benchDir, Now: badDayNow})
			if err != nil {
				b.Fatal(err)
			}
			rep := res.Report("bench", record.SevHigh)
			if err := Write(io.Discard, "json", rep, res, output.Options{}); err != nil {
				b.Fatal(err)
			}
			findings = len(res.Findings)
			continue
		}
		var parts []MergeInput
		for k := 1; k <= shards; k++ {
			t0 := cpuTime()
			res, err := Run(ctx, Options{Dir: benchDir, Now: badDayNow, Shard: audit.Shard{K: k, N: shards}})
			if err != nil {
				b.Fatal(err)
			}
			var buf writerBuf
			if err := Write(&buf, "json", res.Report("bench", record.SevHigh), res, output.Options{}); err != nil {
				b.Fatal(err)
			}
			worstPart = max(worstPart, cpuTime()-t0)
			parts = append(parts, MergeInput{Name: strconv.Itoa(k), Data: buf.b})
		}
		t0 := cpuTime()
		m, err := Merge(parts)
		if err != nil {
			b.Fatal(err)
		}
		if err := Write(io.Discard, "json", m.Report(m.Version, m.FailOn), m.Result, output.Options{}); err != nil {
			b.Fatal(err)
		}
		merge = cpuTime() - t0
		findings = len(m.Findings)
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
	if shards > 1 {
		b.ReportMetric(worstPart.Seconds(), "slowest-part-cpu-s")
		b.ReportMetric(merge.Seconds(), "merge-cpu-s")
	}
	if findings < benchDevices() {
		b.Fatalf("%d findings for about %d devices: the bad day is not bad", findings, benchDevices())
	}
}

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work, wall time says how busy the others were.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type writerBuf struct{ b []byte }

func (w *writerBuf) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
