package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// The output of validate and audit, checked with the validators of the
// tools that consume it: the SARIF Multitool (GitHub code scanning's
// rules) and xmllint against Jenkins' JUnit schema. Skipped where a tool
// is missing, unless CI is set: there a missing tool is a failure.

// hostileHost is a device hostname that tries to forge a workflow
// command, clear the terminal and reverse the text after it.
const hostileHost = "evil\n::error file=forged.yaml::forged\x1b[2J\u202etxt.exe"

// brokenEstate writes the estate of testdata/script/audit_basic.txtar
// (audit findings known by hand) into a temporary folder, plus a record
// with a schema error, one that is not YAML, a record whose file name
// holds a newline and a workflow command, and a device with hostileHost.
func brokenEstate(t *testing.T) string {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/script/audit_basic.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range ar.Files {
		if f.Name != "want.txt" {
			write(f.Name, string(f.Data))
		}
	}
	write("inventory/laptop/LT-7.yaml", "apiVersion: estate/v1\nkind: Asset\nid: LT-7\nclass: laptop\nstatus: deploy\n")
	write("inventory/laptop/LT-8.yaml", "apiVersion: estate/v1\nkind: Asset\nid: [LT-8\n")
	write("inventory/laptop/LT-9 ,%#?\n::error file=x::forged.yaml", "apiVersion: estate/v1\nkind: Asset\nid: LT-9\nclass: laptop\nstatus: in-stock\n")
	host, _ := json.Marshal(hostileHost)
	write("facts/evil.json", `{"apiVersion": "estate/v1", "kind": "Facts", "collected_at": "2026-11-23T07:00:00Z",
 "collector": {"name": "osquery"}, "identity": {"serial": "EVIL1", "hostname": `+string(host)+`}}`)
	return dir
}

// estateOut runs estate in dir and returns its standard output.
func estateOut(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Args: append([]string{"-C", dir}, args...), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	if code := Main(app); code != 0 && code != 1 {
		t.Fatalf("estate %q: exit %d: %s", args, code, errb.String())
	}
	return out.Bytes()
}

func inCI() bool { v := os.Getenv("CI"); return v != "" && v != "false" && v != "0" }

// tool finds a validator, skipping (or failing under CI) when it is absent.
func tool(t *testing.T, what string, find func() string) string {
	t.Helper()
	if p := find(); p != "" {
		return p
	}
	if inCI() {
		t.Fatalf("%s is not installed (CI is set)", what)
	}
	t.Skipf("%s is not installed", what)
	return ""
}

// multitool is the SARIF Multitool: $SARIF_MULTITOOL, else Sarif.Multitool
// or the npm package's sarif-multitool on PATH. wrapped says it is npm's
// node wrapper, which runs the tool through a shell.
func multitool(t *testing.T) (path string, wrapped bool) {
	p := tool(t, "the SARIF Multitool (npm install @microsoft/sarif-multitool; SARIF_MULTITOOL=its Sarif.Multitool)", func() string {
		if p := os.Getenv("SARIF_MULTITOOL"); p != "" {
			return p
		}
		for _, name := range []string{"Sarif.Multitool", "sarif-multitool"} {
			if p, err := exec.LookPath(name); err == nil {
				return p
			}
		}
		return ""
	})
	return p, filepath.Base(p) == "sarif-multitool"
}

// sarifProblems validates file with the Multitool's SARIF and GitHub
// rules and returns every error and warning it reports.
func sarifProblems(t *testing.T, file string) []string {
	t.Helper()
	mt, wrapped := multitool(t)
	out := file + ".validation.sarif"
	kinds := "Sarif;Gh"
	if wrapped {
		kinds = "'Sarif;Gh'"
	}
	cmd := exec.Command(mt, "validate", "--rule-kind", kinds, "--output", out, file)
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sarif-multitool validate %s: %v\n%s", file, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the Multitool wrote no result: %v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text      string   `json:"text"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("the Multitool's result: %v", err)
	}
	if len(log.Runs) == 0 {
		t.Fatal("the Multitool's result has no run")
	}
	var problems []string
	for _, r := range log.Runs[0].Results {
		if r.Level == "" || r.Level == "error" || r.Level == "warning" {
			problems = append(problems, r.RuleID+" "+r.Level+": "+r.Message.Text+" "+strings.Join(r.Message.Arguments, " | "))
		}
	}
	return problems
}

func TestSARIFConformance(t *testing.T) {
	dir := brokenEstate(t)
	out := t.TempDir()
	// The harness first: a SARIF without rule help is what GitHub refuses,
	// and the Multitool must say so, else a pass below proves nothing.
	bad := filepath.Join(out, "bad.sarif")
	os.WriteFile(bad, []byte(`{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"estate","version":"1.0.0","rules":[{"id":"schema","shortDescription":{"text":"x"}}]}},"results":[]}]}`), 0o644)
	if p := sarifProblems(t, bad); !strings.Contains(strings.Join(p, "\n"), "GH2012") {
		t.Fatalf("the Multitool reported no GH2012 on a rule without help: %q", p)
	}
	for _, c := range [][]string{
		{"validate", "--format", "sarif"},
		{"audit", "--format", "sarif"},
	} {
		data := estateOut(t, dir, c...)
		if !bytes.Contains(data, []byte(`"ruleId"`)) {
			t.Fatalf("estate %s found nothing on a broken estate:\n%s", c[0], data)
		}
		f := filepath.Join(out, c[0]+".sarif")
		os.WriteFile(f, data, 0o644)
		if p := sarifProblems(t, f); len(p) > 0 {
			t.Errorf("estate %s --format sarif: the Multitool reports\n%s", c[0], strings.Join(p, "\n"))
		}
	}
}

func TestJUnitConformance(t *testing.T) {
	xmllint := tool(t, "xmllint (apt-get install libxml2-utils)", func() string {
		p, _ := exec.LookPath("xmllint")
		return p
	})
	xsd, _ := filepath.Abs("../../../shared/fixtures/conformance/jenkins-junit-10.xsd")
	if d := os.Getenv("ESTATE_FIXTURES"); d != "" {
		xsd = filepath.Join(d, "conformance", "jenkins-junit-10.xsd")
	}
	if _, err := os.Stat(xsd); errors.Is(err, fs.ErrNotExist) {
		if inCI() {
			t.Fatalf("the JUnit schema is missing at %s (CI is set)", xsd)
		}
		t.Skipf("no JUnit schema at %s", xsd)
	}
	lint := func(file string) error {
		b, err := exec.Command(xmllint, "--noout", "--schema", xsd, file).CombinedOutput()
		if err != nil {
			return errors.New(string(b))
		}
		return nil
	}
	out := t.TempDir()
	// The harness first: a suite without errors is what the schema refuses.
	bad := filepath.Join(out, "bad.xml")
	os.WriteFile(bad, []byte(`<testsuites><testsuite name="x" tests="1" failures="0"><testcase name="y"/></testsuite></testsuites>`), 0o644)
	if lint(bad) == nil {
		t.Fatal("xmllint accepts a testsuite without errors: the schema is not Jenkins' junit-10.xsd")
	}
	clean := t.TempDir()
	os.WriteFile(filepath.Join(clean, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	// One record: an estate with none is no pass but a usage error.
	os.MkdirAll(filepath.Join(clean, "inventory", "locations"), 0o755)
	os.WriteFile(filepath.Join(clean, "inventory", "locations", "LON.yaml"), []byte("apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n"), 0o644)
	dir := brokenEstate(t)
	for _, c := range []struct {
		dir  string
		args []string
	}{
		{dir, []string{"validate", "--format", "junit"}},
		{dir, []string{"audit", "--format", "junit"}},
		{clean, []string{"validate", "--format", "junit"}},
	} {
		f := filepath.Join(out, c.args[0]+".xml")
		os.WriteFile(f, estateOut(t, c.dir, c.args...), 0o644)
		if err := lint(f); err != nil {
			t.Errorf("estate %q: not valid against junit-10.xsd:\n%v", c.args, err)
		}
	}
}

// TestHostileTextOutput: a hostname or file name holding a newline, a
// workflow command, ESC or a bidi override reaches no format raw.
func TestHostileTextOutput(t *testing.T) {
	dir := brokenEstate(t)
	for _, cmd := range []string{"validate", "audit"} {
		var js struct{ Findings []struct{ Message string } }
		if err := json.Unmarshal(estateOut(t, dir, cmd, "--format", "json"), &js); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"text", "github", "markdown", "junit"} {
			out := string(estateOut(t, dir, cmd, "--format", format))
			if strings.ContainsAny(out, "\x1b\u202e") {
				t.Errorf("%s --format %s writes ESC or U+202E raw", cmd, format)
			}
			commands := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "::") {
					commands++
				}
			}
			if format == "github" && commands != len(js.Findings) {
				t.Errorf("%s --format github: %d workflow commands for %d findings", cmd, commands, len(js.Findings))
			}
			if format != "github" && commands != 0 {
				t.Errorf("%s --format %s: %d lines start a workflow command", cmd, format, commands)
			}
			if cmd == "audit" && (!strings.Contains(out, `u000a::error file=forged.yaml::forged`) || !strings.Contains(out, `u001b`) || !strings.Contains(out, `u202etxt.exe`)) {
				t.Errorf("%s --format %s: the hostile hostname is not shown escaped:\n%s", cmd, format, out)
			}
		}
	}
}
