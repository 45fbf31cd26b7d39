package collect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/facts/collect"
	"github.com/estate-dev/estate/internal/intake"
	"github.com/estate-dev/estate/internal/synth"
)

var benchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// BenchmarkPullIntune100k pulls 100,000 Intune devices (ESTATE_BENCH_DEVICES)
// from a local fake Graph API that answers each page of 1,000 after 20 ms,
// into facts files, then audits them against the synthetic estate the
// devices come from:
//
//	go test -run '^$' -bench PullIntune100k -benchtime 1x ./internal/facts/collect
//
// pull-peak-MB is the most memory the process held while pulling (Go's
// total mapped memory less what it held before: the fake API's pages),
// sampled every 5 ms.
func BenchmarkPullIntune100k(b *testing.B) {
	want := 100_000
	if n, err := strconv.Atoi(os.Getenv("ESTATE_BENCH_DEVICES")); err == nil && n > 0 {
		want = n
	}
	e := synth.Estate(synth.Generate(synth.Config{Assets: want * 215 / 100, Seed: 1, Now: benchNow}))
	fs := synth.Facts(e, synth.FactsConfig{Seed: 1, Now: benchNow})
	// The fake API's pages, made once: Graph's managedDevice fields.
	const perPage = 1000
	var pages [][]byte
	var served atomic.Int64
	for i := 0; i < len(fs); i += perPage {
		var vs []map[string]any
		for j, f := range fs[i:min(i+perPage, len(fs))] {
			d := map[string]any{"id": fmt.Sprintf("dev-%d", i+j), "deviceName": f.Identity.Hostname, "serialNumber": f.Identity.Serial,
				"manufacturer": f.Identity.Manufacturer, "model": f.Identity.Model, "lastSyncDateTime": f.CollectedAt, "complianceState": "compliant"}
			if f.OS != nil {
				d["operatingSystem"], d["osVersion"] = map[string]string{"macos": "macOS", "windows": "Windows", "linux": "Linux"}[f.OS.Family], f.OS.Version
			}
			if f.Security != nil && f.Security.DiskEncryption != nil {
				d["isEncrypted"] = *f.Security.DiskEncryption
			}
			if len(f.Users) > 0 {
				d["userPrincipalName"] = f.Users[0].Name
			}
			vs = append(vs, d)
		}
		v, _ := json.Marshal(vs)
		pages = append(pages, v)
	}
	fs = nil
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/t/oauth2/v2.0/token" {
			fmt.Fprint(w, `{"access_token": "bench-token"}`)
			return
		}
		time.Sleep(20 * time.Millisecond)
		n, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
		p := append(append([]byte(`{"value": `), pages[n]...), '}')
		if n+1 < len(pages) {
			p = fmt.Appendf(p[:len(p)-1], `, "@odata.nextLink": "http://%s/v1.0/deviceManagement/managedDevices?$skiptoken=%d"}`, r.Host, n+1)
		}
		served.Add(int64(len(p)))
		w.Write(p)
	}))
	defer srv.Close()
	env := map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
	sch := core.BuiltinSchema()
	for b.Loop() {
		out := b.TempDir()
		served.Store(0)
		runtime.GC()
		base := totalMem()
		peak := base
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					peak = max(peak, totalMem())
				}
			}
		}()
		var pagesRead int
		t0, c0 := time.Now(), cpuTime()
		res, err := collect.Run(context.Background(), collect.Options{Pull: intake.Intune, Out: out, Now: benchNow,
			PullOptions: intake.PullOptions{APIURL: srv.URL + "/v1.0", TokenURL: srv.URL, Getenv: func(k string) string { return env[k] },
				Progress: func(p, _, _ int) { pagesRead = p }}})
		pull, pullCPU := time.Since(t0), cpuTime()-c0
		close(stop)
		<-done
		if err != nil || len(res.Failed) > 0 || len(res.Written) != want && len(res.Written) < want*9/10 {
			b.Fatalf("%v: %d written, failed %v", err, len(res.Written), res.Failed[:min(3, len(res.Failed))])
		}
		t1, c1 := time.Now(), cpuTime()
		devices, findings, err := facts.ReadDir(context.Background(), out, facts.ReadOptions{Schema: sch, Prefix: "facts/"})
		if err != nil || len(findings) > 0 {
			b.Fatalf("read back: %v %v", err, findings[:min(3, len(findings))])
		}
		ar := audit.Run(e, devices, audit.Options{Now: benchNow})
		auditTime, auditCPU := time.Since(t1), cpuTime()-c1
		if ar.Summary.Seen < len(devices)*9/10 {
			b.Fatalf("only %d of %d devices matched an asset", ar.Summary.Seen, len(devices))
		}
		b.ReportMetric(float64(len(res.Written)), "devices")
		b.ReportMetric(float64(pagesRead), "pages")
		b.ReportMetric(float64(served.Load())/1e6, "API-MB")
		b.ReportMetric(pull.Seconds(), "pull-s")
		b.ReportMetric(pullCPU.Seconds(), "pull-cpu-s")
		b.ReportMetric(auditCPU.Seconds(), "read+audit-cpu-s")
		b.ReportMetric(float64(peak-base)/1e6, "pull-peak-MB")
		b.ReportMetric(auditTime.Seconds(), "read+audit-s")
		b.ReportMetric(float64(len(ar.Findings)), "findings")
	}
}

var memSample = []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}

// totalMem is the memory Go has mapped, less what it released to the OS.
func totalMem() uint64 {
	metrics.Read(memSample)
	return memSample[0].Value.Uint64() - memSample[1].Value.Uint64()
}
