package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func streamFindings(n int) []record.Finding {
	fs := make([]record.Finding, n)
	for i := range fs {
		fs[i] = record.Finding{Pos: record.Pos{File: fmt.Sprintf("inventory/laptop/LT-%05d.yaml", i), Line: i % 40, Col: 3},
			Rule: "audit/control", Severity: record.Severity(i % 5), Message: fmt.Sprintf("control <MAC-%d> & \"quoted\" \u2028 fails", i%30),
			Record: fmt.Sprintf("LT-%05d", i), Control: "MAC-OS-001", Expected: ">= 14.5", Observed: "13.1", Evidence: "jamf collector"}
	}
	return fs
}

// TestJSONStreamSameBytes: the streamed report is byte for byte the
// Encoder's of the whole struct, with and without HTML escaping, with no,
// one and many findings.
func TestJSONStreamSameBytes(t *testing.T) {
	for _, n := range []int{0, 1, 7} {
		for _, esc := range []bool{true, false} {
			fs := streamFindings(n)
			sum := map[string]int{"b": 2, "a": 1}
			want := struct {
				JSONReport
				AsOf  string         `json:"as_of"`
				Extra map[string]any `json:"extra"`
			}{JSONReport{Tool: "estate audit", Version: "v1<2>", OK: n == 0, Summary: sum, BySeverity: bySeverity(fs), Findings: fs},
				"2026-11-23T00:00:00Z", map[string]any{"x": []int{}, "y": map[string]int{}}}
			if want.Findings == nil {
				want.Findings = []record.Finding{}
			}
			var a, b bytes.Buffer
			enc := json.NewEncoder(&a)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(esc)
			if err := enc.Encode(want); err != nil {
				t.Fatal(err)
			}
			err := WriteJSONReport(&b, []JSONField{{"tool", want.Tool}, {"version", want.Version}, {"ok", want.OK}, {"summary", sum}, {"by_severity", want.BySeverity}},
				fs, []JSONField{{"as_of", want.AsOf}, {"extra", want.Extra}}, esc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("n=%d escape=%v: streamed report differs\nwant %s\ngot  %s", n, esc, a.Bytes(), b.Bytes())
			}
		}
	}
}

// peakWriter discards what it is given and, every step bytes, collects
// garbage and notes the live heap: the most the writer holds at once.
type peakWriter struct {
	n, next, step int
	peak          uint64
}

func (p *peakWriter) Write(b []byte) (int, error) {
	p.n += len(b)
	if p.n >= p.next {
		p.next = p.n + p.step
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		p.peak = max(p.peak, m.HeapAlloc)
	}
	return len(b), nil
}

// liveWhileWriting is how much more live heap writing fs as JSON holds
// than fs alone.
func liveWhileWriting(t *testing.T, fs []record.Finding) uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	p := &peakWriter{step: 256 << 10}
	if err := JSON(p, Report{Tool: "audit", Findings: fs}, Options{}); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(fs)
	if p.n < len(fs)*200 {
		t.Fatalf("wrote %d bytes for %d findings", p.n, len(fs))
	}
	if p.peak < base {
		return 0
	}
	return p.peak - base
}

// TestJSONMemoryFlat: at ten times the findings, writing the report holds
// no more memory (beyond the findings themselves); the whole-report
// Encoder held about the report's size, ten times more.
func TestJSONMemoryFlat(t *testing.T) {
	small, large := streamFindings(5000), streamFindings(50000)
	s := liveWhileWriting(t, small)
	l := liveWhileWriting(t, large)
	t.Logf("live heap while writing: %d findings %d KiB, %d findings %d KiB", len(small), s>>10, len(large), l>>10)
	if l > 2*s+(256<<10) {
		t.Errorf("writing %d findings held %d KiB, %d findings %d KiB: memory grows with the findings", len(large), l>>10, len(small), s>>10)
	}
}
