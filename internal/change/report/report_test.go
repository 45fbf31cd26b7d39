package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/record"
)

const hostile = "\x1b[2J\r@admin <img src=x onerror=alert(1)> ``` | </details> [click](javascript:alert(1)) ![i](http://x/i.png)\n| --- |\n# heading *bold* _u_ &amp; ~~s~~"

func hostilePlan() (*change.Plan, Context) {
	old := &record.Record{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/LT-1.yaml",
		Asset: &record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Owner: "a@x.org", Notes: "fine"}}
	new := &record.Record{Kind: record.KindAsset, ID: "LT-1", Path: "inventory/laptop/LT-1.yaml",
		Asset: &record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Owner: "a@x.org", Notes: hostile}}
	req := &record.Record{Kind: record.KindChangeRequest, ID: "CR-2026-0001", Path: "changes/CR-2026-0001.yaml",
		ChangeRequest: &record.ChangeRequest{ID: "CR-2026-0001", Title: hostile, Type: "normal", Reason: "r", Risk: "low"}}
	pol := &record.Record{Kind: record.KindChangePolicy, ID: "change-control", Path: "policies/change-control.yaml",
		ChangePolicy: &record.ChangePolicy{Approvals: []record.ApprovalRule{{Name: hostile, Count: 1, Users: []string{"@everyone"}}}}}
	p := change.Build(change.Input{
		Base: record.NewEstate([]*record.Record{old, pol}), Head: record.NewEstate([]*record.Record{new, req, pol}),
		Files: []change.File{{Action: "modified", From: old.Path, To: old.Path}, {Action: "added", To: req.Path}},
		HeadFindings: []record.Finding{{Pos: record.Pos{File: "inventory/laptop/LT-1.yaml", Line: 3, Col: 1}, Rule: "schema",
			Severity: record.SevCritical, Message: hostile, Hint: hostile}},
		Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
	})
	return p, Context{Base: "main (1234567)", Head: "HEAD (89abcde)", Title: hostile, Branch: "feat/`x` | @admin\n<b>", Author: "@mallory", Number: 7}
}

// TestMarkdownEscapesHostileText: PR and record text cannot mention
// anyone, inject HTML or links, or break out of a table or code span.
func TestMarkdownEscapesHostileText(t *testing.T) {
	p, c := hostilePlan()
	g := &change.Gate{Pass: false, Reasons: []string{hostile}, Approvals: []change.Met{{Requirement: p.Approvals[0], By: []string{"@bob"}}}, Ignored: []string{hostile}}
	var b bytes.Buffer
	if err := Markdown(&b, c, p, g); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if !strings.HasPrefix(md, Marker+"\n") {
		t.Error("no marker on the first line")
	}
	// Outside code spans (whose content GitHub renders literally, and
	// which CodeSpan keeps closed), nothing may be HTML, a link, a
	// mention or a fence.
	body := regexp.MustCompile("(^|[^\\\\])`[^`\n]*`").ReplaceAllString(strings.TrimPrefix(md, Marker), "${1}CODE")
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`<`), regexp.MustCompile(`[^\\]\]\(`), regexp.MustCompile(`@[A-Za-z]`), regexp.MustCompile("```"), regexp.MustCompile("(^|[^\\\\])`")} {
		if loc := bad.FindStringIndex(body); loc != nil {
			t.Errorf("%s survived escaping: %q", bad, body[max(0, loc[0]-20):min(len(body), loc[1]+20)])
		}
	}
	// Every table row keeps its column count: unescaped pipes only as
	// separators.
	unescaped := regexp.MustCompile(`(^|[^\\])\|`)
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescaped.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row has %d separators, header %d: %q", n, cols, line)
		}
	}
}

func TestTextAndJSON(t *testing.T) {
	p, c := hostilePlan()
	var b bytes.Buffer
	if err := Text(&b, c, p, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "notes:") || !strings.Contains(b.String(), "change request CR-2026-0001") {
		t.Errorf("text:\n%s", b.String())
	}
	// No raw control characters from record values reach the terminal.
	if strings.ContainsAny(b.String(), "\x1b\r") || !strings.Contains(b.String(), `\u001b[2J`) {
		t.Errorf("escape sequence not neutralised:\n%q", b.String())
	}
	b.Reset()
	if err := JSON(&b, "dev", c, p, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tool string
		Plan struct {
			Records []struct {
				Action string
				Fields []struct{ Field, Old, New string }
			}
			ComputedRisk string `json:"computed_risk"`
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tool != "change" || len(doc.Plan.Records) != 2 || doc.Plan.ComputedRisk != "low" {
		t.Errorf("json %+v", doc)
	}
}

func TestAnnotationsAtLines(t *testing.T) {
	p, _ := hostilePlan()
	anns := Annotations(p)
	if len(anns) == 0 || anns[len(anns)-1].StartLine != 3 || anns[len(anns)-1].Level != "failure" {
		t.Errorf("annotations %+v", anns)
	}
}
