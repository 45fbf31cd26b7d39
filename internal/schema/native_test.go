package schema

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

func TestNativeCoversTheBuiltinKinds(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(s.NativeKinds())
	// Settings uses a pattern constraint (refresh: [#Class]: ...), which
	// the native checker leaves to CUE.
	want := "[Asset Licence Location Person Baseline ChangePolicy ChangeRequest Problem Facts]"
	if got != want {
		t.Errorf("native kinds: got %s, want %s", got, want)
	}
}

// verdicts returns (native, cue) validity of one YAML document.
func verdicts(t testing.TB, s *Schema, v *Validator, kind record.Kind, doc []byte) (nativeOK, cueOK, parsed bool) {
	root, fs := load.Parse("doc.yaml", doc)
	if fs != nil {
		return false, false, false
	}
	value, fs := load.Value("doc.yaml", root, load.DefaultLimits)
	if fs != nil {
		return false, false, false
	}
	n := s.natives["#"+string(kind)]
	if n == nil {
		t.Fatalf("no native checker for %s", kind)
	}
	return n.ok(value), len(v.Validate(kind, value, "doc.yaml", root)) == 0, true
}

// mutations are edits that each make a generated record wrong, or
// subtly right, in a way the two checkers must agree on.
var mutations = []struct{ old, new string }{
	{"status: ", "status: x"}, {"status: deployed", "status: Deployed"}, {"class: laptop", "class: 1"},
	{"serial: \"", "serial: \" "}, {"serial: \"", "serial: \"-"}, {"hostname: ", "hostname: -"},
	{"hostname: ", "hostname: UPPER"}, {"date: ", "date: 2023-02-30 #"}, {"date: 20", "date: \"20"},
	{"cost: ", "cost: -"}, {"cost: ", "cost: \"1\" #"}, {"currency: GBP", "currency: gbp"},
	{"currency: GBP", "currency: GBPX"}, {"kind: Asset", "kind: asset"}, {"kind: Asset\n", ""},
	{"apiVersion: estate/v1\n", ""}, {"apiVersion: estate/v1", "apiVersion: estate/v2"},
	{"id: ", "id: ../"}, {"id: ", "id: a..b"}, {"id: ", "id: 0"}, {"owner: ", "owner: not-an-email #"},
	{"location: ", "location: [a] #"}, {"tags: [", "tags: [1, "}, {"licences: [", "licences: [\"../x\", "},
	{"warranty:\n", "warranty:\n  colour: red\n"}, {"  provider: ", "  provider: 5 #"},
	{"\n", "\nextra: field\n"}, {"method: recycled", "method: shredded"}, {"os: ", "os: beos #"},
	{"manufacturer: ", "manufacturer: null #"}, {"model: ", "model: true #"},
	{"expires: ", "expires: 2026-01-01T00:00:00Z #"}, {"purchase:\n", "purchase: {}\npurchase_x:\n"},
	{"exemptions:\n", "exemptions: []\nx:\n"}, {"cost: ", "cost: 1e3 #"}, {"cost: ", "cost: 12.5 #"},
}

// TestNativeAgreesWithCUE holds the native pre-check to CUE's verdict on
// generated records and on every mutation of them: when native says
// valid, CUE must too, and (so that the pre-check pays) the reverse.
func TestNativeAgreesWithCUE(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	v.CUEOnly()
	files := synth.Generate(synth.Config{Assets: 300, Seed: 7})
	checked := 0
	for _, f := range files {
		kind := load.Classify(f.Path).Kind
		if kind == "" || kind == record.KindSettings {
			continue
		}
		docs := [][]byte{f.Data}
		for _, m := range mutations {
			if bytes.Contains(f.Data, []byte(m.old)) {
				docs = append(docs, bytes.Replace(f.Data, []byte(m.old), []byte(m.new), 1))
			}
		}
		for _, d := range docs {
			n, c, ok := verdicts(t, s, v, kind, d)
			if !ok {
				continue
			}
			checked++
			if n != c {
				t.Errorf("%s: native says %v, CUE says %v for:\n%s", f.Path, n, c, d)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d documents compared", checked)
	}
}

// FuzzNativeAgreesWithCUE: for any document, a native "valid" must be a
// CUE "valid".
func FuzzNativeAgreesWithCUE(f *testing.F) {
	for _, file := range synth.Generate(synth.Config{Assets: 20, Seed: 3}) {
		if strings.HasPrefix(file.Path, "inventory/") && !strings.Contains(file.Path, "/licences/") && !strings.Contains(file.Path, "/locations/") {
			f.Add(file.Data)
		}
	}
	s, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	v := s.NewValidator()
	v.CUEOnly()
	f.Fuzz(func(t *testing.T, doc []byte) {
		n, c, ok := verdicts(t, s, v, record.KindAsset, doc)
		if ok && n && !c {
			t.Errorf("native says valid, CUE says invalid:\n%s", doc)
		}
	})
}

// TestNativeAgreesWithCUEOnMergedFacts holds the native check of #Facts
// to CUE's on what a merge writes: conflicts need two values or more
// (a list with leading elements), values are scalars, policies named.
func TestNativeAgreesWithCUEOnMergedFacts(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	v.CUEOnly()
	head := "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-23T10:00:00Z\ncollector: {name: mdm, source: intune}\nidentity: {serial: C02ABC, hostname: lt-1}\n"
	val := func(x string) string {
		return "  - {value: " + x + ", collector: intune, collected_at: 2026-11-23T10:00:00Z}\n"
	}
	cases := map[string]bool{
		"": true,
		"conflicts:\n- fact: security.disk_encryption\n  values:\n" + val("true") + val("false"):     true,
		"conflicts:\n- fact: os.version\n  values:\n" + val("\"14.1\"") + val("14") + val("\"x\""):   true,
		"conflicts:\n- fact: os.version\n  values:\n" + val("\"14.1\""):                              false,
		"conflicts:\n- fact: os.version\n  values: []\n":                                             false,
		"conflicts:\n- fact: os.version\n  values:\n" + val("[1]") + val("2"):                        false,
		"conflicts:\n- fact: \"\"\n  values:\n" + val("1") + val("2"):                                false,
		"policies:\n- {name: FileVault, passed: true}\n- {name: Firewall}\n":                         true,
		"policies:\n- {passed: true}\n":                                                              false,
		"sources:\n- {collector: intune, collected_at: 2026-11-23T10:00:00Z, facts: [os.version]}\n": true,
		"sources:\n- {collector: intune, collected_at: yesterday}\n":                                 false,
	}
	for tail, want := range cases {
		n, c, ok := verdicts(t, s, v, record.KindFacts, []byte(head+tail))
		if !ok {
			t.Fatalf("does not parse:\n%s", head+tail)
		}
		if n != c || c != want {
			t.Errorf("native %v, CUE %v, want %v for:\n%s", n, c, want, tail)
		}
	}
}
