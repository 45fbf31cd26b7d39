package output

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func sample() Report {
	return Report{Tool: "validate", Version: "test", FailOn: record.SevLow,
		Summary: map[string]int{"records": 2, "checked": 2, "cached": 0},
		Findings: []record.Finding{
			{Pos: record.Pos{File: "inventory/laptop/LT-1.yaml", Line: 5, Col: 9}, Rule: "schema", Severity: record.SevCritical,
				Message: `status: "deploy" is not allowed`, Hint: `did you mean "deployed"?`, Record: "LT-1", Field: "status"},
			{Pos: record.Pos{File: "odd,name:%.yaml", Line: 2}, Rule: "expired-exemption", Severity: record.SevMedium,
				Message: "line one\nline two 100%", Owner: "jane@example.org"},
		}}
}

func TestUnknownFormatIsAnError(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "yaml", sample(), Options{}); err == nil || !strings.Contains(err.Error(), `unknown format "yaml"`) {
		t.Fatalf("Write(yaml): %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q for an unknown format", b.String())
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "text", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	want := `inventory/laptop/LT-1.yaml:5:9: critical: status: "deploy" is not allowed [schema]
    hint: did you mean "deployed"?
odd,name:%.yaml:2: medium: line one\u000aline two 100% [expired-exemption]
validate: 2 records, 2 checked, 0 cached; 2 problems (1 critical, 1 medium)
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	Write(&b, "text", sample(), Options{Color: true})
	if !strings.Contains(b.String(), "\x1b[31mcritical\x1b[0m") {
		t.Errorf("colour asked for, none given: %q", b.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	var got JSONReport
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || got.Tool != "estate validate" || len(got.Findings) != 2 || got.BySeverity["critical"] != 1 ||
		got.Findings[0].Severity != record.SevCritical || got.Findings[0].Pos.Col != 9 {
		t.Errorf("json: %+v", got)
	}
	if !strings.Contains(b.String(), `"severity": "critical"`) {
		t.Errorf("severity is not written by name: %s", b.String())
	}
	clean := Report{Tool: "validate", FailOn: record.SevLow}
	b.Reset()
	Write(&b, "json", clean, Options{})
	if !strings.Contains(b.String(), `"ok": true`) || !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("clean json: %s", b.String())
	}
}

// TestGitHubEscapes: no file name or message can end the workflow command
// early or start another one.
func TestGitHubEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "github", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 2 commands and a summary, got %d lines:\n%s", len(lines), b.String())
	}
	if want := `::error file=inventory/laptop/LT-1.yaml,line=5,col=9,title=estate schema::status: "deploy" is not allowed%0Adid you mean "deployed"?`; lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	if want := `::warning file=odd%2Cname%3A%25.yaml,line=2,title=estate expired-exemption::line one\u000aline two 100%25`; lines[1] != want {
		t.Errorf("got  %s\nwant %s", lines[1], want)
	}
}

func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "sarif", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "estate" || len(log.Runs[0].Tool.Driver.Rules) != 2 {
		t.Fatalf("sarif: %s", b.String())
	}
	r := log.Runs[0].Results[0]
	loc := r.Locations[0].PhysicalLocation
	if r.RuleID != "schema" || r.Level != "error" || loc.ArtifactLocation.URI != "inventory/laptop/LT-1.yaml" ||
		loc.Region == nil || loc.Region.StartLine != 5 || loc.Region.StartColumn != 9 {
		t.Errorf("first result: %+v", r)
	}
	if log.Runs[0].Results[1].Level != "warning" {
		t.Errorf("a medium finding is a warning, got %s", log.Runs[0].Results[1].Level)
	}
}

func TestJUnit(t *testing.T) {
	for _, r := range []Report{sample(), {Tool: "validate"}} {
		var b bytes.Buffer
		if err := Write(&b, "junit", r, Options{}); err != nil {
			t.Fatal(err)
		}
		var suites struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		}
		if err := xml.Unmarshal(b.Bytes(), &suites); err != nil {
			t.Fatalf("junit does not parse: %v\n%s", err, b.String())
		}
		want := len(r.Findings)
		if want == 0 && (suites.Tests != 1 || suites.Failures != 0) || want > 0 && suites.Failures != want {
			t.Errorf("%d findings: tests=%d failures=%d", want, suites.Tests, suites.Failures)
		}
	}
}

// TestMarkdownEscapes: record values are untrusted; in markdown they can
// mention no one, inject no HTML or link, and break no table.
func TestMarkdownEscapes(t *testing.T) {
	hostile := "@octocat <script>alert(1)</script> [x](http://evil) | cell ` code\nnext"
	got := MarkdownCell(hostile)
	for _, bad := range []string{"@octocat", "<script>", "](", "\n"} {
		if strings.Contains(got, bad) {
			t.Errorf("MarkdownCell(%q) = %q keeps %q", hostile, got, bad)
		}
	}
	if strings.Count(got, "|") != strings.Count(got, `\|`) {
		t.Errorf("MarkdownCell(%q) = %q: a pipe is not escaped", hostile, got)
	}
	if cs := CodeSpan("a`b|c\nd"); strings.ContainsAny(cs, "`\n") || strings.Contains(cs, "b|c") {
		t.Errorf("CodeSpan: %q", cs)
	}
	r := sample()
	r.Findings[0].Message = hostile
	var b bytes.Buffer
	Write(&b, "markdown", r, Options{})
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| `inventory") && strings.Count(line, " | ") != 3 {
			t.Errorf("the table row has extra cells: %s", line)
		}
	}
}

func TestFailing(t *testing.T) {
	r := sample()
	for _, c := range []struct {
		failOn record.Severity
		want   int
	}{{record.SevLow, 2}, {record.SevHigh, 1}, {record.SevCritical, 1}, {0, 0}} {
		r.FailOn = c.failOn
		if got := r.Failing(); got != c.want {
			t.Errorf("fail-on %v: %d failing, want %d", c.failOn, got, c.want)
		}
	}
}

// TestGitHubCap: GitHub shows 10 annotations of a kind per step and drops
// the rest silently; beyond them the kind's last annotation says how many
// more there are and the log summarises them per rule and control.
func TestGitHubCap(t *testing.T) {
	var r Report
	for i := 0; i < 25; i++ {
		r.Findings = append(r.Findings, record.Finding{Pos: record.Pos{File: fmt.Sprintf("inventory/laptop/LT-%02d.yaml", i), Line: 3},
			Rule: "audit/control", Control: fmt.Sprintf("C-%d", i%2), Record: fmt.Sprintf("LT-%02d", i), Severity: record.SevHigh, Message: "fails"})
	}
	for i := 0; i < 3; i++ {
		r.Findings = append(r.Findings, record.Finding{Pos: record.Pos{File: "x.yaml"}, Rule: "audit/missing", Severity: record.SevMedium, Message: "not seen"})
	}
	var b strings.Builder
	if err := GitHub(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "\n::error "); n+boolInt(strings.HasPrefix(out, "::error ")) != MaxAnnotationsPerKind {
		t.Errorf("%d error annotations, want %d:\n%s", n, MaxAnnotationsPerKind, out)
	}
	if n := strings.Count(out, "::warning "); n != 3 {
		t.Errorf("%d warning annotations, want 3 (under the cap, all of them)", n)
	}
	for _, want := range []string{"::error title=estate%3A 16 more::16 more error findings are not annotated",
		"16 error findings beyond the annotations, per rule and control:\n",
		"  audit/control C-1: 8 findings on 8 assets: LT-09, LT-11, LT-13, LT-15, LT-17 and 3 more\n",
		"  audit/control C-0: 8 findings on 8 assets: LT-10, LT-12,"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
