package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Version, SemanticVersion string
				Rules                    []struct {
					ID, Name, HelpURI string
					FullDescription   struct{ Text string }
					Help              struct{ Text, Markdown string }
				}
			}
		}
		ColumnKind  string
		Invocations []struct {
			ToolExecutionNotifications []struct {
				Level   string
				Message struct{ Text string }
			}
		}
		Properties map[string]int
		Results    []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			Message             struct{ Text string }
			Properties          map[string]string
			PartialFingerprints map[string]string
			Locations           []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ StartLine, StartColumn, EndLine int }
				}
				LogicalLocations []struct{ FullyQualifiedName string }
			}
		}
	}
}

func sarifOf(t *testing.T, r Report) sarifDoc {
	t.Helper()
	var b bytes.Buffer
	if err := SARIF(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var d sarifDoc
	if err := json.Unmarshal(b.Bytes(), &d); err != nil || len(d.Runs) != 1 {
		t.Fatalf("sarif: %v\n%s", err, b.String())
	}
	return d
}

func TestSARIFShape(t *testing.T) {
	r := sample()
	r.Version = "dev"
	r.Findings = append(r.Findings,
		record.Finding{Pos: record.Pos{File: "main"}, Rule: "ledger/bypass", Severity: record.SevMedium, Message: "commit abc came in directly"},
		record.Finding{Pos: record.Pos{File: "facts/pc #1?.json"}, Rule: "audit/unregistered", Severity: record.SevHigh, Message: "a device"})
	d := sarifOf(t, r)
	run := d.Runs[0]
	if v := run.Tool.Driver; v.Version != "0.0.0-dev" || v.SemanticVersion != "0.0.0-dev" {
		t.Errorf("version %q / %q", v.Version, v.SemanticVersion)
	}
	if run.ColumnKind != "unicodeCodePoints" {
		t.Errorf("columnKind %q", run.ColumnKind)
	}
	for _, rule := range run.Tool.Driver.Rules {
		if rule.FullDescription.Text == "" || rule.Help.Text == "" || rule.Help.Markdown == "" || rule.HelpURI == "" || rule.Name == rule.ID {
			t.Errorf("rule %+v lacks what GitHub requires", rule)
		}
	}
	if h := run.Tool.Driver.Rules[0].Help; !bytes.Contains([]byte(h.Text), []byte(`did you mean "deployed"?`)) {
		t.Errorf("the schema rule's help has no hint: %q", h.Text)
	}
	res := run.Results
	if res[0].Locations[0].PhysicalLocation.Region == nil || *res[0].Locations[0].PhysicalLocation.Region != (struct{ StartLine, StartColumn, EndLine int }{5, 9, 5}) {
		t.Errorf("region %+v", res[0].Locations[0].PhysicalLocation.Region)
	}
	if u := res[1].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "odd%2Cname%3A%25.yaml" {
		t.Errorf("uri %q is not percent-encoded", u)
	}
	if u := res[3].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "facts/pc%20%231%3F.json" {
		t.Errorf("uri %q is not percent-encoded", u)
	}
	if l := res[2].Locations[0]; l.PhysicalLocation != nil || len(l.LogicalLocations) != 1 || l.LogicalLocations[0].FullyQualifiedName != "main" {
		t.Errorf("a branch is located as a file: %+v", l)
	}
	for i, x := range res {
		if x.PartialFingerprints["estate/v1"] == "" || run.Tool.Driver.Rules[x.RuleIndex].ID != x.RuleID {
			t.Errorf("result %d: fingerprint %v, rule index %d", i, x.PartialFingerprints, x.RuleIndex)
		}
	}
	// A fingerprint survives the line moving and the values changing.
	moved := sample()
	moved.Findings[0].Pos.Line, moved.Findings[0].Message = 9, `status: "deplyed" is not allowed`
	if a, b := sarifOf(t, sample()).Runs[0].Results[0].PartialFingerprints, sarifOf(t, moved).Runs[0].Results[0].PartialFingerprints; a["estate/v1"] != b["estate/v1"] {
		t.Errorf("the fingerprint moved with the line: %v, %v", a, b)
	}
	for in, want := range map[string]string{"v1.4.2": "1.4.2", "1.4.2": "1.4.2", "": "0.0.0-dev", "abc def": "0.0.0-abc-def"} {
		if got := sarifVersion(in); got != want {
			t.Errorf("sarifVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSARIFCap: GitHub refuses a run of more than 25,000 results; the
// most severe are results of their own, the others are summarised in one
// result per rule and control, and the run says so.
func TestSARIFCap(t *testing.T) {
	r := Report{Tool: "audit", Version: "1.0.0"}
	for i := 0; i < MaxSARIFResults+10; i++ {
		sev := record.SevLow
		if i%1000 == 999 {
			sev = record.SevCritical
		}
		r.Findings = append(r.Findings, record.Finding{Pos: record.Pos{File: fmt.Sprintf("inventory/laptop/LT-%05d.yaml", i), Line: 1},
			Rule: "audit/missing", Severity: sev, Record: fmt.Sprint(i), Message: "not seen"})
	}
	for i := 0; i < 3*MaxSARIFResults; i++ {
		r.Findings = append(r.Findings, record.Finding{Pos: record.Pos{File: fmt.Sprintf("inventory/laptop/LT-%05d.yaml", i%20000), Line: 4},
			Rule: "audit/control", Control: fmt.Sprintf("MAC-OS-%03d", i%3), Severity: record.SevMedium, Record: fmt.Sprintf("LT-%05d", i%20000), Message: "fails"})
	}
	run := sarifOf(t, r).Runs[0]
	if len(run.Results) != MaxSARIFResults {
		t.Fatalf("%d results, want %d", len(run.Results), MaxSARIFResults)
	}
	if run.Results[0].Level != "error" {
		t.Errorf("the most severe findings do not come first: %s", run.Results[0].Level)
	}
	// 4 groups: audit/missing, and audit/control's three controls.
	summaries, summarised := 0, 0
	for _, res := range run.Results {
		if res.Properties["summary"] == "true" {
			summaries++
			n, _ := strconv.Atoi(res.Properties["findings"])
			summarised += n
			if !strings.Contains(res.Message.Text, "are summarised in this result") || res.PartialFingerprints["estate/v1"] == "" {
				t.Errorf("summary result %+v", res)
			}
		}
	}
	total := len(r.Findings)
	if summaries != 4 || summarised != total-(MaxSARIFResults-4) {
		t.Errorf("%d summary results for %d findings, want 4 for %d", summaries, summarised, total-(MaxSARIFResults-4))
	}
	n := run.Invocations[0].ToolExecutionNotifications
	if len(n) != 1 || n[0].Level != "warning" || !strings.Contains(n[0].Message.Text, fmt.Sprintf("%d of %d findings are summarised, in 4 results", summarised, total)) ||
		run.Properties["resultsOmitted"] != summarised || run.Properties["resultsSummarised"] != 4 {
		t.Errorf("the cap is not said: %+v %v", n, run.Properties)
	}
	small := sarifOf(t, sample()).Runs[0]
	if len(small.Invocations[0].ToolExecutionNotifications) != 0 || small.Properties != nil {
		t.Errorf("a report under the cap says it was capped: %+v", small)
	}
}
