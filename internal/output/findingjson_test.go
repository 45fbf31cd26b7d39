package output

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// encoderFinding is what encoding/json's Encoder writes for f at prefix.
func encoderFinding(t testing.TB, f *record.Finding, prefix string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func checkFinding(t testing.TB, f *record.Finding) {
	for _, html := range []bool{false, true} {
		want := encoderFinding(t, f, "    ", html)
		got := string(newFindingEncoder(html).appendFinding(nil, "    ", f))
		if got != want {
			t.Fatalf("escapeHTML %v: finding %#v\n got %s\nwant %s", html, f, got, want)
		}
	}
}

// TestFindingJSONMatchesEncoder: the hand encoder writes what
// encoding/json writes, field by field, for empty, full and hostile
// findings (quotes, control bytes, HTML, invalid UTF-8, U+2028).
func TestFindingJSONMatchesEncoder(t *testing.T) {
	age, zero, neg := 12, 0, -3
	for _, f := range []record.Finding{
		{},
		{Pos: record.Pos{File: "inventory/laptop/LT-1.yaml", Line: 3, Col: 7}, Rule: "audit/control", Severity: record.SevHigh, Message: "m"},
		{Pos: record.Pos{File: "f", Col: 2}, Severity: record.SevCritical, AgeDays: &zero},
		{Pos: record.Pos{File: "f", Line: -1}, Severity: record.Severity(99), AgeDays: &neg},
		{Pos: record.Pos{File: "facts/a.json"}, Rule: "r", Severity: record.SevLow, Message: "say \"hi\" \\ <b>&amp;</b>\n\t\r\b\f\x00\x1f\x7f",
			Hint: "é ü 日本 \u2028 \u2029 \xff\xfe bad", Record: "LT-1", Field: "baseline", Owner: "jane@example.org",
			Control: "MAC-OS-001", Expected: ">= 14.5", Observed: "13.6.9", Evidence: "osquery at 2026-11-22T08:00:00Z (facts/a.json)",
			State: "breached", FailingSince: "2026-11-01", AgeDays: &age, GraceUntil: "2026-11-15", Effective: "2026-10-01", Problem: "PRB-2026-0001"},
	} {
		checkFinding(t, &f)
	}
}

func FuzzFindingJSON(f *testing.F) {
	f.Add("facts/a.json", 3, 0, "audit/control", "<msg> & \"q\"", "\xff", 7, true)
	f.Fuzz(func(t *testing.T, file string, line, col int, rule, msg, hint string, age int, hasAge bool) {
		fd := record.Finding{Pos: record.Pos{File: file, Line: line, Col: col}, Rule: rule, Message: msg, Hint: hint,
			Severity: record.Severity(line & 7), Record: rule, Observed: msg + hint, Evidence: file}
		if hasAge {
			fd.AgeDays = &age
		}
		checkFinding(t, &fd)
	})
}

func BenchmarkFindingJSON(b *testing.B) {
	age := 40
	f := record.Finding{Pos: record.Pos{File: "inventory/laptop/LT-01234.yaml", Line: 11, Col: 11}, Rule: "audit/control", Severity: record.SevHigh,
		Message: "LT-01234 fails MAC-OS-001 (macOS is patched): os.version is 13.6.9, want >= 14.5", Record: "LT-01234", Field: "baseline",
		Owner: "jane.doe@example.org", Control: "MAC-OS-001", Expected: ">= 14.5", Observed: "13.6.9",
		Evidence: "osquery at 2026-11-22T08:00:00Z (facts/lt-01234.json)", State: "breached", FailingSince: "2026-10-13", AgeDays: &age}
	b.Run("encoder", func(b *testing.B) {
		for b.Loop() {
			encoderFinding(b, &f, "    ", true)
		}
	})
	b.Run("hand", func(b *testing.B) {
		e := newFindingEncoder(true)
		var buf []byte
		for b.Loop() {
			buf = e.appendFinding(buf[:0], "    ", &f)
		}
	})
}
