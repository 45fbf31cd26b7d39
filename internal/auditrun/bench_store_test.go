package auditrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// BenchmarkStoreParts measures the facts side of an audit from a facts
// store at ESTATE_BENCH_DEVICES devices (default 100,000; the estate in
// memory: synth's Computers estate, nearly every asset a reporting
// device; baselines of 30 controls): the whole audit (read, merge,
// judge), then each of ESTATE_BENCH_SHARDS parts (default 16) as a part
// runs it (read with partSelect, merge, judge its devices, write its JSON
// report), then the merge of the parts' reports into the whole report.
// The store is written under ESTATE_BENCH_STORE (default a temporary
// folder) and removed after; with ESTATE_BENCH_KEEP_STORE=DIR it is
// written to DIR/store once and kept, and ESTATE_BENCH_PART=K measures
// only part K, alone in its process as a part's job runs it. Opening and
// validating the estate, which every part also does, is not in these
// figures:
//
//	ESTATE_BENCH_DEVICES=1000000 go test -run '^$' -bench StoreParts -benchtime 1x -timeout 60m ./internal/auditrun
//	ESTATE_BENCH_KEEP_STORE=/tmp/store1m ESTATE_BENCH_PART=3 ESTATE_BENCH_DEVICES=1000000 go test -run '^$' -bench StoreParts -benchtime 1x ./internal/auditrun
func BenchmarkStoreParts(b *testing.B) {
	n := benchDevices()
	shards := 16
	if s, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_SHARDS")); err == nil && s > 0 {
		shards = s
	}
	now := badDayNow
	e := synth.Estate(synth.Generate(synth.Config{Assets: n * 102 / 100, Seed: 1, Now: now, Computers: true}))
	fs := synth.Facts(e, synth.FactsConfig{Seed: 1, Now: now})
	devices := make([]record.Device, len(fs))
	for i, f := range fs {
		devices[i] = record.Device{Source: f.Identity.Hostname, Facts: f}
	}
	fs = nil
	var store string
	if keep := os.Getenv("ESTATE_BENCH_KEEP_STORE"); keep != "" {
		// A store kept for the next run (same devices: synth is
		// deterministic), to measure one part a process.
		store = filepath.Join(keep, "store")
	} else {
		dir, err := os.MkdirTemp(os.Getenv("ESTATE_BENCH_STORE"), "estate-bench-store-")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
		store = filepath.Join(dir, "store")
	}
	if _, err := os.Stat(store); err != nil {
		if _, failed, err := factstore.Write(store, devices, factstore.WriteOptions{}); err != nil || len(failed) > 0 {
			b.Fatal(failed, err)
		}
	}
	onlyPart, _ := strconv.Atoi(os.Getenv("ESTATE_BENCH_PART"))
	nDevices := len(devices)
	devices = nil
	ctx := context.Background()
	type cost struct{ cpu, wall time.Duration }
	measure := func(f func()) cost {
		runtime.GC()
		c0, w0 := cpuTime(), time.Now()
		f()
		return cost{cpuTime() - c0, time.Since(w0)}
	}
	var whole [32]byte // the whole report's SHA-256 (kept small: 1,000,000 devices' report is 400 MB)
	var wholeLen int
	var wholeFindings int
	var wholeCost cost
	var partCosts []cost
	var mergeCost cost
	var peakHeap uint64
	heap := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
	}
	b.ResetTimer()
	for b.Loop() {
		if onlyPart > 0 {
			// One part in this process, as its job runs it.
			partCosts = append(partCosts[:0], measure(func() {
				sh := audit.Shard{K: onlyPart, N: shards}
				sel := &partSelect{e: e, shard: sh}
				ds, rf, files, err := factstore.ReadPicked(ctx, store, factstore.ReadOptions{Prefix: "store/"}, sel.pick())
				if err != nil {
					b.Fatal(err)
				}
				out := audit.Run(e, facts.Merge(ds), audit.Options{Now: now, Shard: sh, Index: sel.ix})
				part := &Part{K: onlyPart, N: shards, Facts: storeDigest(files)}
				rf, part.FactsFindings = inShard(rf, sh)
				res := &Result{Findings: append(rf, out.Findings...), Summary: out.Summary, At: now, Store: files, Part: part}
				if err := Write(io.Discard, "json", res.Report("bench", record.SevHigh), res, output.Options{}); err != nil {
					b.Fatal(err)
				}
				heap()
			}))
			continue
		}
		// The whole audit, as Run does it from a store.
		wholeCost = measure(func() {
			ds, rf, files, err := factstore.Read(ctx, store, factstore.ReadOptions{Prefix: "store/"})
			if err != nil {
				b.Fatal(err)
			}
			out := audit.Run(e, facts.Merge(ds), audit.Options{Now: now})
			res := &Result{Findings: append(rf, out.Findings...), Summary: out.Summary, At: now, Store: files}
			var buf bytes.Buffer
			if err := Write(&buf, "json", res.Report("bench", record.SevHigh), res, output.Options{}); err != nil {
				b.Fatal(err)
			}
			whole, wholeLen, wholeFindings = sha256.Sum256(buf.Bytes()), buf.Len(), len(res.Findings)
			heap()
		})
		// Each part, as Run does it with --shard K/N.
		var in []MergeInput
		partCosts = partCosts[:0]
		for k := 1; k <= shards; k++ {
			sh := audit.Shard{K: k, N: shards}
			partCosts = append(partCosts, measure(func() {
				sel := &partSelect{e: e, shard: sh}
				ds, rf, files, err := factstore.ReadPicked(ctx, store, factstore.ReadOptions{Prefix: "store/"}, sel.pick())
				if err != nil {
					b.Fatal(err)
				}
				out := audit.Run(e, facts.Merge(ds), audit.Options{Now: now, Shard: sh, Index: sel.ix})
				part := &Part{K: k, N: shards, Facts: storeDigest(files)}
				rf, part.FactsFindings = inShard(rf, sh)
				res := &Result{Findings: append(rf, out.Findings...), Summary: out.Summary, At: now, Store: files, Part: part}
				var buf bytes.Buffer
				if err := Write(&buf, "json", res.Report("bench", record.SevHigh), res, output.Options{}); err != nil {
					b.Fatal(err)
				}
				in = append(in, MergeInput{Name: "part-" + strconv.Itoa(k), Data: buf.Bytes()})
				heap()
			}))
		}
		// The merge job.
		var merged bytes.Buffer
		mergeCost = measure(func() {
			m, err := Merge(in)
			if err != nil {
				b.Fatal(err)
			}
			if err := Write(&merged, "json", m.Report(m.Version, m.FailOn), m.Result, output.Options{}); err != nil {
				b.Fatal(err)
			}
		})
		if sha256.Sum256(merged.Bytes()) != whole {
			b.Fatalf("the merged report (%d bytes) is not the whole one (%d bytes)", merged.Len(), wholeLen)
		}
	}
	if onlyPart > 0 {
		b.ReportMetric(float64(nDevices), "devices")
		b.ReportMetric(partCosts[0].cpu.Seconds(), "part-cpu-s")
		b.ReportMetric(partCosts[0].wall.Seconds(), "part-wall-s")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
		return
	}
	slices.SortFunc(partCosts, func(x, y cost) int { return int(x.cpu - y.cpu) })
	b.ReportMetric(float64(nDevices), "devices")
	b.ReportMetric(float64(wholeFindings), "findings")
	b.ReportMetric(wholeCost.cpu.Seconds(), "whole-cpu-s")
	b.ReportMetric(wholeCost.wall.Seconds(), "whole-wall-s")
	b.ReportMetric(partCosts[len(partCosts)/2].cpu.Seconds(), "part-median-cpu-s")
	b.ReportMetric(partCosts[len(partCosts)-1].cpu.Seconds(), "part-max-cpu-s")
	walls := make([]time.Duration, len(partCosts))
	for i, c := range partCosts {
		walls[i] = c.wall
	}
	slices.Sort(walls)
	b.ReportMetric(walls[len(walls)/2].Seconds(), "part-median-wall-s")
	b.ReportMetric(walls[len(walls)-1].Seconds(), "part-max-wall-s")
	b.ReportMetric(mergeCost.cpu.Seconds(), "merge-cpu-s")
	b.ReportMetric(mergeCost.wall.Seconds(), "merge-wall-s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(wholeLen)/(1<<20), "report-MiB")
}

// TestWriteStoreEstate writes the estate of BenchmarkStoreParts (synth's
// Computers estate of about ESTATE_BENCH_DEVICES devices) into
// ESTATE_SYNTH_DIR, its facts as a store in ESTATE_SYNTH_DIR/store, for
// measuring estate audit --facts store (and --shard K/N) end to end; only
// when asked:
//
//	ESTATE_SYNTH_DIR=/tmp/store100k ESTATE_BENCH_DEVICES=100000 go test -run WriteStoreEstate ./internal/auditrun
func TestWriteStoreEstate(t *testing.T) {
	dir := os.Getenv("ESTATE_SYNTH_DIR")
	if dir == "" {
		t.Skip("set ESTATE_SYNTH_DIR to write a synthetic estate with a facts store")
	}
	n := benchDevices()
	files := synth.Generate(synth.Config{Assets: n * 102 / 100, Seed: 1, Now: badDayNow, Computers: true})
	fs := synth.Facts(synth.Estate(files), synth.FactsConfig{Seed: 1, Now: badDayNow})
	if err := synth.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	devices := make([]record.Device, len(fs))
	for i, f := range fs {
		devices[i] = record.Device{Source: f.Identity.Hostname, Facts: f}
	}
	if _, failed, err := factstore.Write(filepath.Join(dir, "store"), devices, factstore.WriteOptions{}); err != nil || len(failed) > 0 {
		t.Fatal(failed, err)
	}
}
