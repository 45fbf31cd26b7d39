package incidents

import (
	"fmt"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// BenchmarkPlan plans one sync against 5,000 open incidents and 100,000
// findings on 20,000 devices (five controls each): 4,000 of the open
// incidents still fail the same way, 1,000 are fixed, 16,000 devices are
// new. No HTTP: the plan of calls only.
func BenchmarkPlan(b *testing.B) {
	cfg := Config{Group: "device", SLA: map[record.Severity]time.Duration{record.SevHigh: 14 * 24 * time.Hour}, MaxNew: 50, At: when}
	ctls := []string{"disk-encryption", "firewall", "screen-lock", "os-version", "edr"}
	var fs []record.Finding
	for d := 0; d < 20_000; d++ {
		for _, c := range ctls {
			fs = append(fs, control(fmt.Sprintf("LT-%05d", d), c, record.SevHigh))
		}
	}
	// The open incidents as the first sync wrote them.
	var open []Issue
	first := Make(fs[:4_000*len(ctls)], nil, Config{Group: "device", SLA: cfg.SLA, MaxNew: 5_000, At: when})
	for i, c := range first.Calls {
		open = append(open, Issue{Number: i + 1, Title: c.Title, Body: c.Body, State: "open", Labels: c.Labels})
	}
	for d := 0; d < 1_000; d++ {
		g := &group{fp: fmt.Sprintf("device/XX-%05d", d), findings: []record.Finding{control(fmt.Sprintf("XX-%05d", d), "edr", record.SevHigh)}, sev: record.SevHigh}
		c := render(g, nil, marker{fp: g.fp}, cfg)
		open = append(open, Issue{Number: 4_001 + d, Title: c.Title, Body: c.Body, State: "open", Labels: c.Labels})
	}
	if len(open) != 5_000 || len(fs) != 100_000 {
		b.Fatalf("%d open, %d findings", len(open), len(fs))
	}
	b.ResetTimer()
	var p Plan
	for i := 0; i < b.N; i++ {
		p = Make(fs, open, cfg)
	}
	b.ReportMetric(float64(len(p.Calls)), "calls")
	b.ReportMetric(float64(p.Unchanged), "unchanged")
	b.ReportMetric(float64(p.Deferred), "deferred")
}
