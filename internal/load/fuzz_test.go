package load_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// fuzzLimits keeps the node budget small so that the fuzzer reaches it.
var fuzzLimits = load.Limits{MaxFileBytes: 1 << 20, MaxNodes: 500}

// fuzzSeeds are real-shaped records and the bad inputs of the bad-input
// suite; the fuzzer mutates them.
var fuzzSeeds = []string{
	"apiVersion: estate/v1\nkind: Asset\nid: LT-00042\nclass: laptop\nstatus: deployed\nserial: C02XK1ABJG5H\n" +
		"manufacturer: Apple\nmodel: MacBook Pro 14 (2023)\nhostname: lt-00042\nowner: jane.doe@example.org\n" +
		"location: LON-HQ\nbaseline: euc-macos\npurchase: {date: 2023-05-02, cost: 2199.00, currency: GBP, supplier: Apple, order: PO-1182}\n" +
		"warranty: {expires: 2026-05-01, provider: AppleCare}\nlicences: [MS365-E3]\n" +
		"exemptions:\n  - {control: MAC-SW-010, reason: \"legacy plugin\", change: CR-2026-0031, expires: 2026-12-31}\n",
	"apiVersion: estate/v1\nkind: Baseline\nname: euc-macos\nversion: 2.3.0\nextends: euc-common\n" +
		"applies_to: {classes: [laptop, desktop], os: macos}\ncontrols:\n  - id: MAC-OS-001\n    title: macOS is supported and patched\n" +
		"    severity: high\n    check: {fact: os.version, version: \">= 14.5\"}\n  - id: MAC-SW-099\n    title: No BitTorrent client\n" +
		"    severity: high\n    check: {package: \"uTorrent\", absent: true}\n",
	"apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0042\ntitle: Raise the macOS minimum to 14.5\ntype: normal\n" +
		"reason: CVE-2026-1234 is fixed in 14.5\nrisk: medium\nwindow: {start: 2026-11-25T18:00:00Z, end: 2026-11-25T22:00:00Z}\n" +
		"backout: |\n  Revert this pull request;\n  the 2.2 profile stays deployable.\nlinks: [INC-5521]\n",
	"apiVersion: estate/v1\nkind: Licence\nid: MS365-E3\nproduct: Microsoft 365 E3\nseats: 120\nexpires: 2027-06-30\n",
	"apiVersion: estate/v1\r\nkind: Location\r\nid: LON\r\nname: London office\r\ntype: site\r\n",
	"\ufeffapiVersion: estate/v1\nkind: Settings\nmanaged_classes: [laptop]\n",
	// bad input
	"",
	"apiVersion: estate/v1\nkind: Asset\nid: PH-1\n  class: phone\n",
	"id: a\nid: b\n",
	"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
	"notes: caf\xe9\n",
	"kind: Asset\n---\nkind: Asset\n",
	"password: hunter2\nnotes: AKIAIOSFODNN7EXAMPLE\n",
	"notes: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n  b3BlbnNzaC1rZXktdjEAAAAA\n  -----END OPENSSH PRIVATE KEY-----\n",
	"<<: {a: 1}\nb: !!binary aGVsbG8=\nc: !custom x\nd: .inf\ne: 99999999999999999999\n",
	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	"a:\n\tb: c\n",
	"key: \"unterminated\n",
	"? [complex, key]\n: value\n",
	"a: \x01\n",
}

// FuzzParse feeds arbitrary bytes through the loader's YAML layer: Parse,
// Value and Secrets never panic, every finding has a line (>= 1) and a
// column that is not negative, and Value never returns more values than its
// node budget allows.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "inventory/laptop/LT-1.yaml"
		root, fs := load.Parse(file, data)
		checkFindings(t, data, fs)
		checkFindings(t, data, load.Secrets(file, data, root))
		if root == nil {
			if len(fs) == 0 {
				t.Fatalf("Parse returned no node and no finding for %q", data)
			}
			return
		}
		if len(fs) != 0 {
			t.Fatalf("Parse returned a node and findings %v", fs)
		}
		v, vfs := load.Value(file, root, fuzzLimits)
		checkFindings(t, data, vfs)
		if v != nil && len(vfs) != 0 {
			t.Fatalf("Value returned a value and findings %v", vfs)
		}
		if v == nil && len(vfs) == 0 {
			t.Fatalf("Value returned nil without a finding for %q", data)
		}
		if n := countValues(v); n > fuzzLimits.MaxNodes {
			t.Fatalf("Value returned %d values, over the budget of %d", n, fuzzLimits.MaxNodes)
		}
		// The typed decoder accepts whatever Value makes.
		for _, k := range record.Kinds {
			load.Decode(v, record.NewTyped(k))
		}
	})
}

func checkFindings(t *testing.T, data []byte, fs []record.Finding) {
	t.Helper()
	lines := 1 + bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'})
	for _, f := range fs {
		if f.Pos.Line < 1 || f.Pos.Col < 0 {
			t.Fatalf("finding without a position: %+v", f)
		}
		if f.Pos.Line > lines+1 {
			t.Fatalf("finding at line %d of a %d-line input: %+v", f.Pos.Line, lines, f)
		}
		if f.Message == "" || f.Rule == "" {
			t.Fatalf("finding without message or rule: %+v", f)
		}
		if f.Rule == load.RuleSecret && strings.Contains(f.Message, "hunter2") {
			t.Fatalf("a secret is echoed: %+v", f)
		}
	}
}

func countValues(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 1
		for _, e := range v {
			n += countValues(e)
		}
		return n
	case []any:
		n := 1
		for _, e := range v {
			n += countValues(e)
		}
		return n
	case nil:
		return 0
	}
	return 1
}
