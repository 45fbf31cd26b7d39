package change

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

func asset(id, class, status, owner, loc, baseline string) *record.Record {
	a := &record.Asset{APIVersion: "estate/v1", Kind: "Asset", ID: id, Class: class, Status: status, Owner: owner, Location: loc, Baseline: baseline}
	return &record.Record{Kind: record.KindAsset, ID: id, Path: "inventory/" + class + "/" + id + ".yaml", Asset: a}
}

func baseline(name, extends string, controls ...record.Control) *record.Record {
	b := &record.Baseline{Name: name, Version: "1.0.0", Extends: extends, Controls: controls}
	return &record.Record{Kind: record.KindBaseline, ID: name, Path: "policies/baselines/" + name + ".yaml", Baseline: b}
}

func cr(id, typ, risk string) *record.Record {
	c := &record.ChangeRequest{ID: id, Title: "t", Type: typ, Reason: "r", Risk: risk}
	return &record.Record{Kind: record.KindChangeRequest, ID: id, Path: "changes/" + id + ".yaml", ChangeRequest: c}
}

func policyRec(p *record.ChangePolicy) *record.Record {
	return &record.Record{Kind: record.KindChangePolicy, ID: "change-control", Path: "policies/change-control.yaml", ChangePolicy: p}
}

func intp(n int) *int { return &n }

var testPolicy = &record.ChangePolicy{
	Approvals: []record.ApprovalRule{
		{Name: "peer review", Count: 1},
		{Name: "cab", When: &record.Selector{Risk: []string{"high", "critical"}}, Count: 2, Teams: []string{"@octo/cab"}},
		{Name: "servers", When: &record.Selector{Classes: []string{"server"}}, Count: 1, Users: []string{"ops-lead"}},
	},
	Risk: &record.RiskPolicy{Rules: []record.RiskRule{
		{Name: "baselines", Risk: "high", When: record.RiskSelector{Kinds: []string{"Baseline"}}},
		{Name: "many devices", Risk: "medium", When: record.RiskSelector{DevicesOver: intp(2)}},
		{Name: "status", Risk: "medium", When: record.RiskSelector{Fields: []string{"status"}}},
	}},
	StandardChanges: []record.StandardChange{{ID: "STD-001", Title: "Reassign", Kinds: []string{"Asset"}, Fields: []string{"owner", "location"}, MaxRecords: 10}},
	FreezeWindows:   []record.FreezeWindow{{Name: "year end", Start: "2026-12-15T00:00:00Z", End: "2027-01-05T00:00:00Z", Allow: []string{"standard"}}},
	Emergency:       &record.EmergencyPolicy{ReviewWithinDays: 5},
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// plan builds base and head from records and diffs the given paths.
func plan(t *testing.T, base, head []*record.Record, files []File, at time.Time) *Plan {
	t.Helper()
	base = append(base, policyRec(testPolicy))
	head = append(head, policyRec(testPolicy))
	return Build(Input{Base: record.NewEstate(base), Head: record.NewEstate(head), Files: files, Now: at, AllAssets: true})
}

func mod(p string) File { return File{Action: "modified", From: p, To: p} }
func add(p string) File { return File{Action: "added", To: p} }

func ruleList(p *Plan) string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Rule)
	}
	return strings.Join(out, ",")
}

func TestStandardChangeNeedsNoRequest(t *testing.T) {
	old := asset("LT-1", "laptop", "deployed", "a@x.org", "LON", "")
	new := asset("LT-1", "laptop", "deployed", "b@x.org", "NYC", "")
	p := plan(t, []*record.Record{old}, []*record.Record{new}, []File{mod(old.Path)}, now)
	if p.Standard == nil || p.Standard.ID != "STD-001" || p.Type != "standard" || len(p.Findings) != 0 {
		t.Fatalf("standard %v type %s findings %v", p.Standard, p.Type, p.Findings)
	}
	if got := p.Records[0].Fields; len(got) != 2 || got[0].Field != "location" || got[0].Old != "LON" || got[0].New != "NYC" || got[1].Field != "owner" {
		t.Errorf("fields %+v", got)
	}
	if len(p.Approvals) != 1 || p.Approvals[0].Rule != "peer review" {
		t.Errorf("approvals %+v", p.Approvals)
	}
}

func TestNonStandardChangeNeedsRequest(t *testing.T) {
	old := asset("LT-1", "laptop", "deployed", "a@x.org", "LON", "")
	new := asset("LT-1", "laptop", "in-repair", "a@x.org", "LON", "")
	p := plan(t, []*record.Record{old}, []*record.Record{new}, []File{mod(old.Path)}, now)
	if p.Standard != nil || !strings.Contains(ruleList(p), RuleCR) {
		t.Fatalf("standard %v findings %v", p.Standard, p.Findings)
	}
	// With a request declaring the computed risk, nothing blocks.
	req := cr("CR-2026-0001", "normal", "medium")
	p = plan(t, []*record.Record{old}, []*record.Record{new, req}, []File{mod(old.Path), add(req.Path)}, now)
	if p.Request == nil || len(p.Findings) != 0 || p.ComputedRisk != "medium" {
		t.Fatalf("request %v risk %s findings %v", p.Request, p.ComputedRisk, p.Findings)
	}
}

func TestRiskDeclaredTooLow(t *testing.T) {
	old := baseline("euc-macos", "", record.Control{ID: "MAC-1", Title: "t", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 14"}})
	new := baseline("euc-macos", "", record.Control{ID: "MAC-1", Title: "t", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 15"}})
	req := cr("CR-2026-0002", "normal", "low")
	devs := []*record.Record{
		asset("LT-1", "laptop", "deployed", "a@x", "LON", "euc-macos"),
		asset("LT-2", "laptop", "deployed", "a@x", "NYC", "euc-macos"),
		asset("LT-3", "laptop", "in-stock", "", "NYC", "euc-macos"),
	}
	p := plan(t, append([]*record.Record{old}, devs...), append([]*record.Record{new, req}, devs...), []File{mod(old.Path), add(req.Path)}, now)
	if p.ComputedRisk != "high" || !strings.Contains(ruleList(p), RuleRisk) {
		t.Fatalf("risk %s findings %v", p.ComputedRisk, p.Findings)
	}
	if p.Impact.Devices != 2 || p.Impact.ByLocation["LON"] != 1 || len(p.Impact.Baselines) != 1 || p.Impact.Baselines[0].Changed[0] != "MAC-1" {
		t.Errorf("impact %+v", p.Impact)
	}
	var cab bool
	for _, a := range p.Approvals {
		cab = cab || a.Rule == "cab"
	}
	if !cab {
		t.Errorf("high risk without the cab rule: %+v", p.Approvals)
	}
}

func TestBaselineImpactThroughExtends(t *testing.T) {
	c1 := record.Control{ID: "C-1", Title: "t", Severity: "high", Check: record.Check{Fact: "security.firewall", Equals: true}}
	c2 := record.Control{ID: "C-2", Title: "t", Severity: "high", Check: record.Check{Package: "x", Absent: true}}
	common0, common1 := baseline("common", "", c1), baseline("common", "", c1, c2)
	mac := baseline("mac", "common")
	dev := asset("LT-1", "laptop", "deployed", "a@x", "LON", "mac")
	p := plan(t, []*record.Record{common0, mac, dev}, []*record.Record{common1, mac, dev}, []File{mod(common0.Path)}, now)
	var names []string
	for _, b := range p.Impact.Baselines {
		names = append(names, b.Name)
		if b.Name == "mac" && (!b.Indirect || b.Devices != 1 || b.Added[0] != "C-2") {
			t.Errorf("mac %+v", b)
		}
	}
	if strings.Join(names, ",") != "common,mac" || p.Impact.Devices != 1 {
		t.Errorf("baselines %v devices %d", names, p.Impact.Devices)
	}
}

func TestImpactFromFacts(t *testing.T) {
	old := baseline("b", "", record.Control{ID: "C", Title: "t", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 14"}})
	new := baseline("b", "", record.Control{ID: "C", Title: "t", Severity: "high", Check: record.Check{Fact: "os.version", Version: ">= 15"}})
	devs := []*record.Record{asset("A", "laptop", "deployed", "a@x", "L", "b"), asset("B", "laptop", "deployed", "a@x", "L", "b"),
		asset("C", "laptop", "deployed", "a@x", "L", "b"), asset("D", "laptop", "deployed", "a@x", "L", "b")}
	in := Input{Base: record.NewEstate(append([]*record.Record{old, policyRec(testPolicy)}, devs...)),
		Head: record.NewEstate(append([]*record.Record{new, policyRec(testPolicy)}, devs...)), AllAssets: true,
		Files: []File{mod(old.Path)}, Now: now,
		// A fails after the change; B passes both; C has no facts; D was failing and still is.
		Before: map[string]Compliance{"A": Compliant, "B": Compliant, "D": Failing},
		After:  map[string]Compliance{"A": Failing, "B": Compliant, "D": Failing}}
	p := Build(in)
	if !p.Impact.Audited || strings.Join(p.Impact.NewlyFailing, ",") != "A" || p.Impact.NoFacts != 1 || len(p.Impact.NewlyPassing) != 0 {
		t.Errorf("impact %+v", p.Impact)
	}
}

func TestLifecycleTransitions(t *testing.T) {
	cases := []struct {
		from, to string
		want     string
	}{
		{"disposed", "deployed", "disposed is final"},
		{"deployed", "lost", "needs a change request"},
		{"deployed", "stolen", "needs a change request"},
		{"deployed", "in-repair", ""},
	}
	for _, c := range cases {
		old := asset("LT-1", "laptop", c.from, "a@x", "L", "")
		new := asset("LT-1", "laptop", c.to, "a@x", "L", "")
		p := plan(t, []*record.Record{old}, []*record.Record{new}, []File{mod(old.Path)}, now)
		var msgs []string
		for _, f := range p.Findings {
			if f.Rule == RuleLifecycle {
				msgs = append(msgs, f.Message)
				if f.Field != "status" || f.Pos.File != old.Path {
					t.Errorf("finding at %v field %q", f.Pos, f.Field)
				}
			}
		}
		got := strings.Join(msgs, ";")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s → %s: %q; want %q", c.from, c.to, got, c.want)
		}
	}
	// Lost with a change request is fine.
	old := asset("LT-1", "laptop", "deployed", "a@x", "L", "")
	new := asset("LT-1", "laptop", "lost", "a@x", "L", "")
	req := cr("CR-2026-0003", "normal", "medium")
	p := plan(t, []*record.Record{old}, []*record.Record{new, req}, []File{mod(old.Path), add(req.Path)}, now)
	if strings.Contains(ruleList(p), RuleLifecycle) {
		t.Errorf("lost with a CR: %v", p.Findings)
	}
}

func TestRenameMoveAndRemove(t *testing.T) {
	a := asset("LT-1", "laptop", "deployed", "a@x", "L", "")
	moved := asset("LT-1", "desktop", "deployed", "a@x", "L", "")
	renamed := asset("LT-9", "laptop", "deployed", "a@x", "L", "")
	renamed.Path = "inventory/laptop/LT-9.yaml"
	gone := asset("LT-2", "laptop", "retired", "", "L", "")
	files := []File{
		{Action: "deleted", From: a.Path}, {Action: "added", To: moved.Path}, // git saw no rename
		{Action: "deleted", From: gone.Path},
	}
	b := asset("LT-3", "laptop", "deployed", "a@x", "L", "")
	files = append(files, File{Action: "renamed", From: b.Path, To: renamed.Path})
	// An id change with an edit: git sees a delete and an add; the serial
	// says it is one device.
	c := asset("LT-4", "laptop", "deployed", "a@x", "L", "")
	c.Asset.Serial = "SER-4"
	c2 := asset("LT-44", "laptop", "deployed", "new@x", "L", "")
	c2.Asset.Serial = "SER-4"
	files = append(files, File{Action: "deleted", From: c.Path}, File{Action: "added", To: c2.Path})
	p := plan(t, []*record.Record{a, gone, b, c}, []*record.Record{moved, renamed, c2}, files, now)
	if len(p.Records) != 4 {
		t.Errorf("%d record changes; want 4", len(p.Records))
	}
	got := map[string]RecordChange{}
	for _, rc := range p.Records {
		got[rc.ID] = rc
	}
	if m := got["LT-1"]; m.Action != ActionMoved || m.OldPath != a.Path || len(m.Fields) != 1 || m.Fields[0].Field != "class" {
		t.Errorf("move: %+v", m)
	}
	if r := got["LT-9"]; r.Action != ActionRenamed || r.OldID != "LT-3" {
		t.Errorf("rename: %+v", r)
	}
	if r := got["LT-44"]; r.Action != ActionRenamed || r.OldID != "LT-4" || len(r.Fields) != 2 {
		t.Errorf("rename by serial: %+v", r)
	}
	if r := got["LT-2"]; r.Action != ActionRemoved {
		t.Errorf("remove: %+v", r)
	}
	if !strings.Contains(ruleList(p), RuleLifecycle) {
		t.Errorf("deleting an asset raised nothing: %v", p.Findings)
	}
}

func TestControlsDiffByID(t *testing.T) {
	c := func(id, v string) record.Control {
		return record.Control{ID: id, Title: "t", Severity: "high", Check: record.Check{Fact: "os.version", Version: v}}
	}
	old := &record.Baseline{Name: "b", Controls: []record.Control{c("A", ">= 1"), c("B", ">= 2")}}
	// Reordered, B changed, C added.
	new := &record.Baseline{Name: "b", Controls: []record.Control{c("B", ">= 3"), c("A", ">= 1"), c("C", ">= 1")}}
	fs := DiffFields(old, new)
	var names []string
	for _, f := range fs {
		names = append(names, f.Field)
	}
	want := "controls[B].check.version,controls[C]"
	if strings.Join(names, ",") != want {
		t.Errorf("fields %v", names)
	}
	if fs[0].Locator != "controls.0.check.version" || fs[1].Locator != "controls.2" || !strings.Contains(fs[1].New, `"id":"C"`) {
		t.Errorf("locator %q", fs[0].Locator)
	}
}

func TestFreezeWindows(t *testing.T) {
	old := asset("LT-1", "laptop", "deployed", "a@x", "L", "")
	new := asset("LT-1", "laptop", "in-repair", "a@x", "L", "")
	inFreeze := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
	// A normal change during the freeze is blocked.
	req := cr("CR-2026-0004", "normal", "medium")
	p := plan(t, []*record.Record{old}, []*record.Record{new, req}, []File{mod(old.Path), add(req.Path)}, inFreeze)
	if len(p.Freeze) != 1 || p.Freeze[0].Allowed || !strings.Contains(ruleList(p), RuleFreeze) {
		t.Fatalf("freeze %+v findings %v", p.Freeze, p.Findings)
	}
	// A standard change is allowed by the window.
	std := asset("LT-1", "laptop", "deployed", "b@x", "L", "")
	p = plan(t, []*record.Record{old}, []*record.Record{std}, []File{mod(old.Path)}, inFreeze)
	if len(p.Freeze) != 1 || !p.Freeze[0].Allowed || strings.Contains(ruleList(p), RuleFreeze) {
		t.Fatalf("standard: freeze %+v findings %v", p.Freeze, p.Findings)
	}
	// An emergency passes, with a review due within 5 days.
	em := cr("CR-2026-0005", "emergency", "high")
	p = plan(t, []*record.Record{old}, []*record.Record{new, em}, []File{mod(old.Path), add(em.Path)}, inFreeze)
	if strings.Contains(ruleList(p), RuleFreeze) || p.ReviewDue != "2026-12-25" {
		t.Fatalf("emergency: due %q findings %v", p.ReviewDue, p.Findings)
	}
	// ... but not with a review later than the policy allows.
	em.ChangeRequest.ReviewDue = "2027-02-01"
	p = plan(t, []*record.Record{old}, []*record.Record{new, em}, []File{mod(old.Path), add(em.Path)}, inFreeze)
	if !strings.Contains(ruleList(p), RuleFreeze) {
		t.Fatalf("late review accepted: %v", p.Findings)
	}
	// A change window inside the freeze is blocked even before it starts.
	req.ChangeRequest.Window = &record.Window{Start: "2026-12-20T10:00:00Z", End: "2026-12-20T12:00:00Z"}
	p = plan(t, []*record.Record{old}, []*record.Record{new, req}, []File{mod(old.Path), add(req.Path)}, now)
	if len(p.Freeze) != 1 || !strings.Contains(p.Freeze[0].Why, "window") {
		t.Fatalf("window: %+v", p.Freeze)
	}
}

func TestNewFindingsOnly(t *testing.T) {
	pre := record.Finding{Pos: record.Pos{File: "a.yaml", Line: 3}, Rule: "schema", Message: "old problem", Severity: record.SevCritical}
	fresh := record.Finding{Pos: record.Pos{File: "b.yaml", Line: 1}, Rule: "schema", Message: "new problem", Severity: record.SevCritical}
	p := Build(Input{Base: record.NewEstate(nil), Head: record.NewEstate(nil), HeadFindings: []record.Finding{pre, fresh}, BaseFindings: []record.Finding{pre}, Now: now})
	if len(p.Findings) != 1 || p.Findings[0].Message != "new problem" || p.PreExisting != 1 {
		t.Errorf("findings %v pre %d", p.Findings, p.PreExisting)
	}
	// A file the change touches: its findings are all the change's.
	p = Build(Input{Base: record.NewEstate(nil), Head: record.NewEstate(nil), HeadFindings: []record.Finding{pre, fresh}, BaseFindings: []record.Finding{pre},
		Files: []File{{Action: "modified", From: "a.yaml", To: "a.yaml"}}, Now: now})
	if len(p.Findings) < 2 || p.PreExisting != 0 {
		t.Errorf("touched file: findings %v pre %d", p.Findings, p.PreExisting)
	}
}

func TestSymlinkAndSubmoduleRefused(t *testing.T) {
	p := Build(Input{Files: []File{{Action: "added", To: "inventory/laptop/X.yaml", Link: true}, {Action: "added", To: "changes/sub", Other: true}}, Now: now})
	if got := ruleList(p); strings.Count(got, RuleFile) != 2 {
		t.Errorf("findings %v", p.Findings)
	}
}

// --- the gate's decision table ---

func gatePlan(reqs ...Requirement) *Plan { return &Plan{Approvals: reqs, Type: "normal"} }

func TestGateDecisionTable(t *testing.T) {
	head, old := "headsha", "oldsha"
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	peer := Requirement{Rule: "peer review", Count: 1}
	cab := Requirement{Rule: "cab", Count: 2, Teams: []string{"@octo/cab"}}
	members := map[string]bool{"carol": true, "dave": true}
	member := func(team, user string) (bool, error) { return team == "@octo/cab" && members[user], nil }
	cases := []struct {
		name    string
		plan    *Plan
		reviews []Review
		pass    bool
		reason  string
	}{
		{"approved", gatePlan(peer), []Review{{"bob", "APPROVED", head, at(1)}}, true, ""},
		{"no review", gatePlan(peer), nil, false, "0 of 1"},
		{"changes requested", gatePlan(peer), []Review{{"bob", "APPROVED", head, at(1)}, {"carol", "CHANGES_REQUESTED", head, at(2)}}, false, "carol requested changes"},
		{"changes requested then approved", gatePlan(peer), []Review{{"bob", "CHANGES_REQUESTED", head, at(1)}, {"bob", "APPROVED", head, at(2)}}, true, ""},
		{"approval then comment still counts", gatePlan(peer), []Review{{"bob", "APPROVED", head, at(1)}, {"bob", "COMMENTED", head, at(2)}}, true, ""},
		{"stale approval after push", gatePlan(peer), []Review{{"bob", "APPROVED", old, at(1)}}, false, "0 of 1"},
		{"self approval", gatePlan(peer), []Review{{"alice", "APPROVED", head, at(1)}}, false, "0 of 1"},
		{"dismissed", gatePlan(peer), []Review{{"bob", "APPROVED", head, at(1)}, {"bob", "DISMISSED", head, at(2)}}, false, "0 of 1"},
		{"team required, not members", gatePlan(peer, cab), []Review{{"bob", "APPROVED", head, at(1)}, {"erin", "APPROVED", head, at(2)}}, false, "cab: 0 of 2"},
		{"team required, one member", gatePlan(peer, cab), []Review{{"bob", "APPROVED", head, at(1)}, {"carol", "APPROVED", head, at(2)}}, false, "cab: 1 of 2"},
		{"team required, met", gatePlan(peer, cab), []Review{{"carol", "APPROVED", head, at(1)}, {"dave", "APPROVED", head, at(2)}}, true, ""},
		{"user required", gatePlan(Requirement{Rule: "ops", Count: 1, Users: []string{"@ops-lead"}}), []Review{{"ops-lead", "APPROVED", head, at(1)}}, true, ""},
		{"freeze blocks", &Plan{Type: "normal", Approvals: []Requirement{peer}, Findings: []record.Finding{{Rule: RuleFreeze, Severity: record.SevHigh, Message: "in freeze"}}},
			[]Review{{"bob", "APPROVED", head, at(1)}}, false, "in freeze"},
		{"emergency in freeze passes", &Plan{Type: "emergency", ReviewDue: "2026-11-28", Approvals: []Requirement{peer}, Freeze: []FreezeHit{{Name: "x", Allowed: true}}},
			[]Review{{"bob", "APPROVED", head, at(1)}}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := Decide(GateInput{Plan: c.plan, Author: "alice", HeadSHA: head, Reviews: c.reviews, Member: member})
			if err != nil {
				t.Fatal(err)
			}
			if g.Pass != c.pass {
				t.Fatalf("pass = %v; reasons %v ignored %v", g.Pass, g.Reasons, g.Ignored)
			}
			if c.reason != "" && !strings.Contains(strings.Join(g.Reasons, "\n"), c.reason) {
				t.Errorf("reasons %v; want %q", g.Reasons, c.reason)
			}
		})
	}
}

func TestGateMembershipErrorIsNotAPass(t *testing.T) {
	_, err := Decide(GateInput{Plan: gatePlan(Requirement{Rule: "cab", Count: 1, Teams: []string{"@o/t"}}), Author: "a", HeadSHA: "h",
		Reviews: []Review{{"b", "APPROVED", "h", now}},
		Member:  func(string, string) (bool, error) { return false, errTest }})
	if err == nil {
		t.Fatal("a membership error gave a decision")
	}
}

var errTest = &testErr{}

type testErr struct{}

func (*testErr) Error() string { return "rate limited" }

// TestPolicyInForceJudges: a pull request that weakens the change policy
// is judged by the policy it changes.
func TestPolicyInForceJudges(t *testing.T) {
	weak := *testPolicy
	weak.Approvals = nil
	weak.StandardChanges = []record.StandardChange{{ID: "STD-ANY", Title: "anything", Fields: []string{"*"}}}
	old := asset("LT-1", "laptop", "deployed", "a@x", "L", "")
	new := asset("LT-1", "laptop", "in-repair", "a@x", "L", "")
	base := record.NewEstate([]*record.Record{old, policyRec(testPolicy)})
	head := record.NewEstate([]*record.Record{new, policyRec(&weak)})
	p := Build(Input{Base: base, Head: head, Now: now, Files: []File{mod(old.Path), mod("policies/change-control.yaml")}})
	if p.PolicyFrom != "base" || p.Standard != nil || len(p.Approvals) == 0 || !strings.Contains(ruleList(p), RuleCR) {
		t.Errorf("policy from %s, standard %v, approvals %v, findings %v", p.PolicyFrom, p.Standard, p.Approvals, p.Findings)
	}
	// The change that introduces the policy is judged by it.
	p = Build(Input{Base: record.NewEstate([]*record.Record{old}), Head: head, Now: now, Files: []File{mod(old.Path), add("policies/change-control.yaml")}})
	if p.PolicyFrom != "head" {
		t.Errorf("policy from %s", p.PolicyFrom)
	}
}

// TestGenericMatchesJSON: the reflection walk gives what a JSON round trip
// of the record gives.
func TestGenericMatchesJSON(t *testing.T) {
	min, max := 1.5, 0.0
	sl := 300
	enc, fw := true, false
	vals := []any{
		&record.Asset{ID: "LT-1", Class: "laptop", Status: "deployed", Purchase: &record.Purchase{Cost: 12.5, Date: "2026-01-01"},
			Licences: []string{"A", "B"}, Exemptions: []record.Exemption{{Control: "C", Reason: "r", Change: "CR", Expires: "2026-12-31"}}, Tags: []string{}},
		&record.Baseline{Name: "b", Version: "1.0.0", AppliesTo: &record.AppliesTo{Classes: []string{"laptop"}},
			Controls: []record.Control{{ID: "X", Title: "t", Severity: "high", Check: record.Check{Fact: "f", Equals: map[string]any{"a": []any{1, "x", true}}, OneOf: []any{"a", 2.5}, Min: &min, Max: &max}}}},
		&record.ChangePolicy{Approvals: []record.ApprovalRule{{Name: "n", Count: 0}}, Risk: &record.RiskPolicy{Rules: []record.RiskRule{{Name: "r", Risk: "high", When: record.RiskSelector{DevicesOver: &sl}}}}},
		&record.Facts{Security: &record.Security{DiskEncryption: &enc, Firewall: &fw, ScreenLockSeconds: &sl}},
		&record.Location{},
	}
	for _, v := range vals {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		got := generic(v)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T:\ngot  %#v\nwant %#v", v, got, want)
		}
	}
}

func TestReachedBaselines(t *testing.T) {
	c := record.Control{ID: "C", Title: "t", Severity: "high", Check: record.Check{Fact: "f", Equals: true}}
	e := record.NewEstate([]*record.Record{baseline("common", "", c), baseline("mac", "common"), baseline("mac-dev", "mac"), baseline("win", "")})
	if got := strings.Join(ReachedBaselines(e, e, []string{"common"}), ","); got != "common,mac,mac-dev" {
		t.Errorf("reached %s", got)
	}
	if got := strings.Join(ReachedBaselines(e, nil, []string{"win"}), ","); got != "win" {
		t.Errorf("reached %s", got)
	}
}
