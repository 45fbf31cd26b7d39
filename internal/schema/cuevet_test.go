package schema

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/record"
)

// cueCLI is the cue command: $ESTATE_CUE, else cue on PATH. Outside CI a
// missing one skips the test; under CI=true it fails it (.ci/run
// installs it: GOBIN=/tmp/cuebin go install cuelang.org/go/cmd/cue@<the
// version in go.mod>).
func cueCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ESTATE_CUE"); p != "" {
		return p
	}
	p, err := exec.LookPath("cue")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the cue command is not installed (set ESTATE_CUE or put cue on PATH)")
		}
		t.Skip("the cue command is not installed (set ESTATE_CUE or put cue on PATH)")
	}
	return p
}

func baselineDoc(check string) string {
	return "apiVersion: estate/v1\nkind: Baseline\nname: b\nversion: \"1.0.0\"\ncontrols:\n" +
		"  - {id: C-1, title: t, severity: critical, check: " + check + "}\n"
}

// verdictCases are records with the schema's verdict on each: estate,
// its native pre-check and cue vet must all give it.
var verdictCases = []struct {
	name string
	kind record.Kind
	doc  string
	ok   bool
}{
	{"a fact check", record.KindBaseline, baselineDoc("{fact: security.disk_encryption, equals: true}"), true},
	{"a mistyped fact path", record.KindBaseline, baselineDoc("{fact: security.disk_encyption, equals: true}"), false},
	{"a fact #Facts has no check for", record.KindBaseline, baselineDoc("{fact: packages, equals: true}"), false},
	{"two operators", record.KindBaseline, baselineDoc(`{fact: os.version, equals: "14", version: ">= 14"}`), false},
	{"no operator", record.KindBaseline, baselineDoc("{fact: os.version}"), false},
	{"present and absent", record.KindBaseline, baselineDoc("{package: bash, present: true, absent: true}"), false},
	{"fact and package", record.KindBaseline, baselineDoc("{fact: os.name, package: bash, equals: x}"), false},
	{"neither fact nor package", record.KindBaseline, baselineDoc("{equals: x}"), false},
	{"min and max are one operator", record.KindBaseline, baselineDoc("{fact: security.screen_lock_seconds, min: 1, max: 600}"), true},
	{"max alone", record.KindBaseline, baselineDoc("{fact: security.screen_lock_seconds, max: 600}"), true},
	{"min with equals", record.KindBaseline, baselineDoc("{fact: security.screen_lock_seconds, min: 1, equals: 5}"), false},
	{"a package version", record.KindBaseline, baselineDoc(`{package: Google Chrome, version: ">= 120"}`), true},
	{"an absent package", record.KindBaseline, baselineDoc("{package: uTorrent, absent: true}"), true},
	{"facts freshness", record.KindBaseline, baselineDoc("{fact: collected_at, max_age: 168h}"), true},
	{"an effective date and grace", record.KindBaseline, strings.Replace(baselineDoc("{fact: os.version, version: \">= 15\"}"),
		"severity: critical,", "severity: critical, effective: 2026-12-15, grace: 14d,", 1), true},
	{"grace in weeks on the version", record.KindBaseline, strings.Replace(baselineDoc("{fact: os.version, version: \">= 15\"}"),
		"controls:", "effective: 2026-12-15\ngrace: 2w\ncontrols:", 1), true},
	{"grace in hours", record.KindBaseline, strings.Replace(baselineDoc("{fact: os.version, version: \">= 15\"}"),
		"severity: critical,", "severity: critical, grace: 36h,", 1), false},
	{"an effective day that is no date", record.KindBaseline, strings.Replace(baselineDoc("{fact: os.version, version: \">= 15\"}"),
		"controls:", "effective: 2026-13-45\ncontrols:", 1), false},
	{"an empty version", record.KindBaseline, baselineDoc(`{fact: os.version, version: ""}`), false},
	{"an unknown operator", record.KindBaseline, baselineDoc("{fact: os.version, greater: 3}"), false},
	{"an asset", record.KindAsset, "apiVersion: estate/v1\nkind: Asset\nid: LT-1\nclass: laptop\nstatus: in-stock\n", true},
	{"an asset with a bad status", record.KindAsset, "apiVersion: estate/v1\nkind: Asset\nid: LT-1\nclass: laptop\nstatus: in-stok\n", false},
	{"an asset with an unknown field", record.KindAsset, "apiVersion: estate/v1\nkind: Asset\nid: LT-1\nclass: laptop\nstatus: in-stock\nserail: X\n", false},
}

// TestEstateAndCueVetAgree: on each case, estate validate (native
// pre-check and CUE), and cue vet on the schema estate prints (estate
// schema), give the schema's verdict.
func TestEstateAndCueVetAgree(t *testing.T) {
	cue := cueCLI(t)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	text, err := s.Text()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	schemaFile := filepath.Join(dir, "estate.cue")
	if err := os.WriteFile(schemaFile, text, 0o644); err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	for i, c := range verdictCases {
		nativeOK, estateOK, parsed := verdicts(t, s, v, c.kind, []byte(c.doc))
		if !parsed {
			t.Fatalf("%s: the case does not parse", c.name)
		}
		doc := filepath.Join(dir, "doc"+string(rune('a'+i))+".yaml")
		if err := os.WriteFile(doc, []byte(c.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cue, "vet", "-c", "-d", "#"+string(c.kind), schemaFile, doc).CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatalf("cue vet: %v", err)
		}
		cueOK := err == nil
		if estateOK != c.ok || cueOK != c.ok || (nativeOK && !c.ok) {
			t.Errorf("%s: estate %v, native %v, cue vet %v; the schema says %v\n%s", c.name, estateOK, nativeOK, cueOK, c.ok, out)
		}
	}
}

// TestFactPathsAreTheAuditsFacts: #FactPath lists exactly the facts the
// audit can read, so a check the schema accepts can be evaluated.
func TestFactPathsAreTheAuditsFacts(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	var got []string
	for _, p := range audit.FactPaths() {
		if _, ok, _ := verdicts(t, s, v, record.KindBaseline, []byte(baselineDoc("{fact: "+p+", equals: x}"))); !ok {
			got = append(got, p)
		}
	}
	if len(got) > 0 {
		t.Errorf("the audit reads facts the schema refuses: %s", strings.Join(got, ", "))
	}
	lits := literals(schemaAt(v.defs[record.KindBaseline], []string{"controls", "0", "check", "fact"}))
	if len(lits) != len(audit.FactPaths()) {
		t.Errorf("#FactPath lists %d paths, the audit reads %d: %v", len(lits), len(audit.FactPaths()), lits)
	}
}

// TestEstateVerdicts: without the cue command, estate's own verdict (and
// its native pre-check, which may only say valid when it is) on each case.
func TestEstateVerdicts(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	for _, c := range verdictCases {
		nativeOK, estateOK, parsed := verdicts(t, s, v, c.kind, []byte(c.doc))
		if !parsed {
			t.Fatalf("%s: the case does not parse", c.name)
		}
		if estateOK != c.ok || (nativeOK && !c.ok) {
			t.Errorf("%s: estate says %v (native %v), want %v", c.name, estateOK, nativeOK, c.ok)
		}
	}
}
