package validate_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/validate"
)

// manyKeys is an asset with n unknown fields (well under the 1 MiB limit
// for n = 40,000).
func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: estate/v1\nkind: Asset\nid: LT-1\nclass: laptop\nstatus: in-stock\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "k%d: v\n", i)
	}
	return []byte(b.String())
}

// validateManyKeys validates an estate of one asset with n unknown fields
// and returns its findings, the bytes allocated and the CPU time it took
// (the least of three runs).
func validateManyKeys(t *testing.T, n int) ([]string, uint64, time.Duration) {
	t.Helper()
	sch, err := schemaOnce()
	if err != nil {
		t.Fatal(err)
	}
	tree := memTree{"inventory/laptop/LT-1.yaml": manyKeys(n)}
	var res *validate.Result
	var alloc uint64
	best := time.Duration(1 << 62)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := cpuTime()
		r, err := validate.Run(context.Background(), validate.Options{Tree: tree, Schema: sch, Workers: 1,
			Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
		best = min(best, cpuTime()-start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		res, alloc = r, after.TotalAlloc-before.TotalAlloc
	}
	var msgs []string
	for _, f := range res.Findings {
		msgs = append(msgs, f.Message)
	}
	return msgs, alloc, best
}

// TestManyUnknownFieldsLinear: a record with tens of thousands of unknown
// fields costs time linear in its size, and its findings are capped with
// a count of the rest. Four times the fields must cost under six times the
// allocation and under ten times the CPU time (quadratic would be sixteen;
// the CPU time is the process's, which other tests running at once and
// the collector inflate): ratios of two runs on one machine, never a
// threshold in seconds.
func TestManyUnknownFieldsLinear(t *testing.T) {
	msgs10, a10, t10 := validateManyKeys(t, 10_000)
	msgs40, a40, t40 := validateManyKeys(t, 40_000)
	ar, tr := float64(a40)/float64(a10), float64(t40)/float64(t10)
	t.Logf("10,000 unknown fields: %d bytes, %v; 40,000: %d bytes, %v (%.1fx, %.1fx)", a10, t10, a40, t40, ar, tr)
	if ar > 6 || tr > 10 {
		t.Errorf("4x the fields cost %.1fx the allocation and %.1fx the time; want linear (about 4x)", ar, tr)
	}
	for _, c := range []struct {
		msgs []string
		rest string
	}{{msgs10, "and 9,900 more unknown fields"}, {msgs40, "and 39,900 more unknown fields"}} {
		if len(c.msgs) != 101 || !strings.Contains(c.msgs[100], c.rest) {
			last := ""
			if len(c.msgs) > 0 {
				last = c.msgs[len(c.msgs)-1]
			}
			t.Errorf("%d findings, the last %q; want 100 and one saying %q", len(c.msgs), last, c.rest)
		}
	}
}
