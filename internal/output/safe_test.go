package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func TestTextSafe(t *testing.T) {
	for in, want := range map[string]string{
		"lt-00042":                   "lt-00042",
		"C:\\Users\\jane":            "C:\\Users\\jane",
		"Jörg's Mac — ✓":             "Jörg's Mac — ✓",
		"a\nb\r\tc":                  `a\u000ab\u000d\u0009c`,
		"\x1b[31mred\x1b[0m":         `\u001b[31mred\u001b[0m`,
		"x\x00y\x7fz\u0085":          `x\u0000y\u007fz\u0085`,
		"invoice\u202excod.exe":      `invoice\u202excod.exe`,
		"\u2066a\u2069\u200f\u2028.": `\u2066a\u2069\u200f\u2028.`,
		"bad\xffutf8\xc3":            `bad\xffutf8\xc3`,
		"":                           "",
	} {
		if got := TextSafe(in); got != want {
			t.Errorf("TextSafe(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = TextSafe("inventory/laptop/LT-00042.yaml: all is well, ünïcode too") }); n != 0 {
		t.Errorf("TextSafe allocates %v times on safe text", n)
	}
}

// hostile is a report whose file name, message and hint try to forge a
// workflow command, move the terminal and reverse text.
func hostile() Report {
	return Report{Tool: "audit", Version: "test", FailOn: record.SevLow, Findings: []record.Finding{{
		Pos:      record.Pos{File: "facts/x\n::error file=a::forged\x1b[2J.json", Line: 3, Col: 2},
		Rule:     "audit/unregistered",
		Severity: record.SevHigh,
		Message:  "hostname evil\n::warning file=b::forged\r\x1b]0;owned\x07\u202egnp.exe",
		Hint:     "register\n::notice::forged",
	}}}
}

// TestHostileEveryFormat: no text format lets a value start a line, send
// ESC or BEL, or reverse the text; each shows the escapes instead.
func TestHostileEveryFormat(t *testing.T) {
	for _, format := range []string{"text", "github", "markdown", "junit"} {
		var b bytes.Buffer
		if err := Write(&b, format, hostile(), Options{Color: true}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		commands := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::") {
				commands++
			}
		}
		if want := map[string]int{"github": 1}[format]; commands != want {
			t.Errorf("%s: %d lines are workflow commands, want %d:\n%s", format, commands, want, out)
		}
		// Colour is the writer's own ESC; nothing else may send one.
		if strings.Count(out, "\x1b") != strings.Count(out, "\x1b[0m")*2 || strings.ContainsAny(out, "\x07\r\u202e") {
			t.Errorf("%s: a control character is written raw: %q", format, out)
		}
		if !strings.Contains(out, `u000a::warning file=b::forged`) || !strings.Contains(out, `u202egnp.exe`) {
			t.Errorf("%s: the hostile message is not shown escaped: %q", format, out)
		}
	}
	// JSON and SARIF are structured: values are JSON strings, exact.
	for _, format := range []string{"json", "sarif"} {
		var b bytes.Buffer
		Write(&b, format, hostile(), Options{})
		if !json.Valid(b.Bytes()) || !strings.Contains(b.String(), `hostname evil\n::warning file=b::forged\r\u001b]0;owned\u0007`) {
			t.Errorf("%s does not keep the value exactly, JSON-escaped: %s", format, b.String())
		}
	}
}

func BenchmarkTextSafe(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"clean", "inventory/laptop/LT-00042.yaml: LT-00042 fails MAC-OS-001: os.version is 13.6.7"},
		{"hostile", "hostname evil\n::error file=x::forged\x1b[2J\u202etxt.exe and then some more text"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = TextSafe(c.s)
			}
		})
	}
}
