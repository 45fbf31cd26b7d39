package incidents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

var when = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const settingsYAML = `apiVersion: estate/v1
kind: Settings
incidents:
  sla: {high: 14d, critical: 3d}
  assignees:
    jane@example.org: jane-gh
`

// estateRepo is a repository whose HEAD holds estate.yaml (no ledger yet).
func estateRepo(t *testing.T, settings string) string {
	t.Helper()
	return estateRepoWith(t, map[string][]byte{"estate.yaml": []byte(settings)})
}

// estateRepoWith is a repository whose HEAD holds files.
func estateRepoWith(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	c, err := repo.CommitFiles("", files, "estate\n", gitrepo.Signature{Name: "A", Email: "a@example.org", When: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.UpdateRef("refs/heads/main", c, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

func control(asset, ctl string, sev record.Severity) record.Finding {
	return record.Finding{Pos: record.Pos{File: "inventory/laptop/" + asset + ".yaml"}, Rule: "audit/control", Severity: sev,
		Message: ctl + " fails", Record: asset, Owner: "jane@example.org", Control: ctl, Expected: "on", Observed: "off | <b>@x</b>",
		Evidence: "osquery at 2026-11-30T08:00:00Z"}
}

// writeAudit writes a report as estate audit --format json does.
func writeAudit(t *testing.T, day int, fs ...record.Finding) string {
	t.Helper()
	if fs == nil {
		fs = []record.Finding{}
	}
	data, err := json.Marshal(map[string]any{"tool": "estate audit", "version": "test", "ok": len(fs) == 0, "summary": map[string]int{},
		"by_severity": map[string]int{}, "findings": fs, "as_of": when.AddDate(0, 0, day).Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "audit.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runSync(t *testing.T, f *fakeGitHub, dir, audit string, mod func(*Options)) *Result {
	t.Helper()
	o := Options{Dir: dir, Audit: audit, Token: testToken, APIURL: f.srv.URL + "/", Repository: "octo/estate", HTTP: f.srv.Client(),
		Sleep: func(context.Context, time.Duration) error { return nil }, Now: func() time.Time { return when }}
	if mod != nil {
		mod(&o)
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ledgerKinds(t *testing.T, dir string) []string {
	t.Helper()
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	snap, err := (&gitstore.Store{Repo: repo, Ref: "refs/estate/ledger"}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range snap.Entries() {
		in := e.Incident
		if in == nil {
			in = &ledger.Incident{}
		}
		out = append(out, fmt.Sprintf("%s #%d %s r%d", e.Kind, in.Issue, in.Fingerprint, in.Repeat))
	}
	return out
}

// own returns the issues the bot wrote by fingerprint, failing on two.
func own(t *testing.T, f *fakeGitHub) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, is := range f.issues {
		if is["user"].(map[string]any)["login"] != f.bot["login"] {
			continue
		}
		m, ok := parseMarker(is["body"].(string))
		if !ok {
			t.Fatalf("issue #%v without a marker", is["number"])
		}
		if out[m.fp] != nil {
			t.Fatalf("two issues for %s", m.fp)
		}
		out[m.fp] = is
	}
	return out
}

func TestFourAuditsInARow(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	// Someone pastes estate's marker into an issue of their own.
	f.plant("mallory", "estate incident: LT-00001", marker{fp: "device/LT-00001"}.String()+"\nplanted", Label, "severity:high")

	failing := []record.Finding{control("LT-00001", "disk-encryption", record.SevHigh), control("LT-00001", "firewall", record.SevMedium),
		{Pos: record.Pos{File: "inventory/laptop/LT-00002.yaml"}, Rule: "audit/serial", Severity: record.SevHigh, Record: "LT-00002",
			Field: "serial", Expected: "C02X", Observed: "C02Y", Evidence: "osquery"},
		{Rule: "schema", Severity: record.SevCritical, Record: "LT-00003"}, // not an incident
	}
	// 1: fail.
	res := runSync(t, f, dir, writeAudit(t, 0, failing...), nil)
	if res.Plan.Count(Create) != 2 || len(res.Plan.Calls) != 2 || res.Done != 2 {
		t.Fatalf("audit 1: %+v", res.Plan)
	}
	is := own(t, f)
	lt1 := is["device/LT-00001"]
	if lt1 == nil || lt1["number"] != 2 || f.issues[0]["body"] != (marker{fp: "device/LT-00001"}).String()+"\nplanted" {
		t.Fatalf("audit 1: the planted issue was taken: %v", f.issues)
	}
	body := lt1["body"].(string)
	for _, want := range []string{"due: **2026-12-15**", "- [ ] `audit/control` `disk-encryption`", "- [ ] `audit/control` `firewall`",
		"`inventory/laptop/LT-00001.yaml`", "off \\| &lt;b&gt;@\u200bx&lt;/b&gt;", "exemptions:", "Severity: **high**"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit 1: body lacks %q:\n%s", want, body)
		}
	}
	if got := labelNames(lt1); strings.Join(got, ",") != Label+",severity:high" {
		t.Errorf("labels %v", got)
	}
	if a := lt1["assignees"]; fmt.Sprint(a) != "[map[login:jane-gh type:User]]" {
		t.Errorf("assignees %v", a)
	}
	if a := is["device/LT-00002"]["assignees"]; fmt.Sprint(a) != "[]" {
		t.Errorf("LT-00002 has no known owner but got %v", a)
	}

	// 2: still failing: no call but the listing.
	writes := len(f.writes)
	res = runSync(t, f, dir, writeAudit(t, 1, failing...), nil)
	if len(res.Plan.Calls) != 0 || res.Plan.Unchanged != 2 || len(f.writes) != writes {
		t.Fatalf("audit 2: %+v, writes %v", res.Plan, f.writes[writes:])
	}

	// 3: LT-00001 fixed, LT-00002 still failing; the audit is in the
	// ledger (record-audit), after the two incident-opened entries.
	audit3 := writeAudit(t, 2, failing[2:]...)
	if _, err := ops.RecordAudit(context.Background(), ops.AuditOptions{Dir: dir, File: audit3, Now: func() time.Time { return when }}); err != nil {
		t.Fatal(err)
	}
	res = runSync(t, f, dir, audit3, nil)
	if res.Plan.Count(Close) != 1 || len(res.Plan.Calls) != 1 {
		t.Fatalf("audit 3: %+v", res.Plan)
	}
	if lt1["state"] != "closed" || lt1["state_reason"] != "completed" || f.comments[2][0] != "Verified fixed by the audit of 2026-12-03 (ledger entry 3)." {
		t.Fatalf("audit 3: %v %v", lt1["state"], f.comments[2])
	}
	if b := lt1["body"].(string); strings.Contains(b, "- [ ]") || !strings.Contains(b, "- [x] `audit/control` `firewall`") {
		t.Errorf("audit 3: not every item ticked:\n%s", b)
	}

	// 4: failing again: the same issue reopens.
	again := []record.Finding{failing[0], failing[2]}
	res = runSync(t, f, dir, writeAudit(t, 3, again...), nil)
	if res.Plan.Count(Reopen) != 1 || len(res.Plan.Calls) != 1 {
		t.Fatalf("audit 4: %+v", res.Plan)
	}
	is = own(t, f)
	if len(is) != 2 || is["device/LT-00001"]["number"] != 2 || lt1["state"] != "open" {
		t.Fatalf("audit 4: %v", is)
	}
	b := lt1["body"].(string)
	if !strings.Contains(b, "- [ ] `audit/control` `disk-encryption`") || !strings.Contains(b, "- [x] `audit/control` `firewall`") ||
		!strings.Contains(b, "reopened once") || !strings.Contains(b, "due: **2026-12-18**") {
		t.Errorf("audit 4: body\n%s", b)
	}
	if c := f.comments[2]; len(c) != 2 || !strings.Contains(c[1], "reopened once") {
		t.Errorf("audit 4: comments %v", c)
	}
	// The same report again changes nothing, on GitHub or in the ledger.
	writes = len(f.writes)
	if res := runSync(t, f, dir, writeAudit(t, 3, again...), nil); len(res.Plan.Calls) != 0 || len(res.Entries) != 0 || len(f.writes) != writes {
		t.Fatalf("audit 4 again: %+v", res)
	}
	want := []string{"incident-opened #2 device/LT-00001 r0", "incident-opened #3 device/LT-00002 r0", "audit #0  r0",
		"incident-closed #2 device/LT-00001 r0", "incident-reopened #2 device/LT-00001 r1"}
	if got := ledgerKinds(t, dir); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ledger:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFixedControlIsTicked(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	both := []record.Finding{control("LT-00001", "disk-encryption", record.SevHigh), control("LT-00001", "firewall", record.SevMedium)}
	runSync(t, f, dir, writeAudit(t, 0, both...), nil)
	res := runSync(t, f, dir, writeAudit(t, 1, both[1]), nil)
	if res.Plan.Count(Edit) != 1 || len(res.Plan.Calls) != 1 {
		t.Fatalf("%+v", res.Plan)
	}
	b := f.issues[0]["body"].(string)
	if !strings.Contains(b, "- [x] `audit/control` `disk-encryption`") || !strings.Contains(b, "- [ ] `audit/control` `firewall`") ||
		!strings.Contains(b, "due: **2026-12-15**") {
		t.Errorf("body:\n%s", b)
	}
	if got := labelNames(f.issues[0]); strings.Join(got, ",") != Label+",severity:medium" {
		t.Errorf("labels %v", got)
	}
}

func TestDryRunMakesNoCall(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	res := runSync(t, f, dir, writeAudit(t, 0, control("LT-00001", "firewall", record.SevHigh)), func(o *Options) { o.DryRun = true })
	if len(res.Plan.Calls) != 1 || len(f.writes) != 0 || len(res.Entries) != 0 {
		t.Fatalf("%+v %v", res, f.writes)
	}
	var b strings.Builder
	WriteText(&b, res, true)
	if !strings.Contains(b.String(), `create issue "estate incident: LT-00001" labels estate:incident,severity:high assignees jane-gh`) {
		t.Errorf("%s", b.String())
	}
	if kinds := ledgerKinds(t, dir); len(kinds) != 0 {
		t.Errorf("ledger %v", kinds)
	}
}

func TestMaxNewDefersToOneTrackingIssue(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	fs := make([]record.Finding, 10_000)
	for i := range fs {
		fs[i] = control(fmt.Sprintf("LT-%05d", i), "firewall", record.SevHigh)
	}
	audit := writeAudit(t, 0, fs...)
	res := runSync(t, f, dir, audit, func(o *Options) { o.MaxNew = 50 })
	if len(f.issues) != 51 || res.Plan.Deferred != 9_950 || len(res.Entries) != 50 {
		t.Fatalf("%d issues, %d deferred, %d entries", len(f.issues), res.Plan.Deferred, len(res.Entries))
	}
	track := own(t, f)[trackingFP]
	if track == nil || !strings.Contains(track["body"].(string), "9950 more incidents") {
		t.Fatalf("tracking issue %v", track)
	}
	// The next sync opens 50 more and edits the count.
	res = runSync(t, f, dir, audit, func(o *Options) { o.MaxNew = 50 })
	if len(f.issues) != 101 || res.Plan.Count(Edit) != 1 || !strings.Contains(track["body"].(string), "9900 more incidents") {
		t.Fatalf("second sync: %d issues, %+v", len(f.issues), res.Plan.Count(Edit))
	}
}

func TestGroupByControl(t *testing.T) {
	dir := estateRepo(t, "apiVersion: estate/v1\nkind: Settings\nincidents: {group: control}\n")
	f := newFake(t)
	res := runSync(t, f, dir, writeAudit(t, 0, control("LT-00001", "firewall", record.SevHigh), control("LT-00002", "firewall", record.SevLow),
		control("LT-00002", "disk-encryption", record.SevLow)), nil)
	if res.Plan.Count(Create) != 2 {
		t.Fatalf("%+v", res.Plan)
	}
	fw := own(t, f)["control/audit/control/firewall"]
	if fw == nil || !strings.Contains(fw["body"].(string), "- [ ] `LT-00002`") || strings.Contains(fw["body"].(string), "due:") {
		t.Fatalf("%v", fw)
	}
}

func TestLedgerEntriesRoundTrip(t *testing.T) {
	e := &ledger.Entry{Kind: ledger.KindIncidentReopened, Time: "2026-12-01T09:00:00Z", Incident: &ledger.Incident{Issue: 2, Fingerprint: "device/LT-00001", Repeat: 1}}
	raw, err := ledger.Chain(e, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, canonical, err := ledger.Decode(raw)
	if err != nil || !canonical || back.Incident.Repeat != 1 {
		t.Fatalf("%v %v %+v", err, canonical, back)
	}
}

func TestKnownErrorInBody(t *testing.T) {
	f := control("LT-00001", "disk-encryption", record.SevHigh)
	f.Problem = "PRB-2026-0001"
	p := Make([]record.Finding{f, control("LT-00001", "firewall", record.SevHigh)}, nil, Config{Group: "device", At: when})
	if len(p.Calls) != 1 {
		t.Fatalf("%+v", p)
	}
	if b := p.Calls[0].Body; !strings.Contains(b, "### Known errors\n\n- `PRB-2026-0001`: see `problems/PRB-2026-0001.yaml`") ||
		strings.Count(b, "PRB-2026-0001") != 2 {
		t.Errorf("body:\n%s", b)
	}
	if b := Make([]record.Finding{control("LT-00001", "firewall", record.SevHigh)}, nil, Config{Group: "device", At: when}).Calls[0].Body; strings.Contains(b, "Known errors") {
		t.Errorf("a known error section without one:\n%s", b)
	}
}

func TestAssigneeFallsBackToTheBaselineOwner(t *testing.T) {
	f := control("LT-00001", "firewall", record.SevHigh)
	f.Owner = "nobody@example.org" // no GitHub login known
	cfg := Config{Group: "device", At: when, Assignees: map[string]string{"euc@example.org": "euc-lead", "jane@example.org": "jane-gh"},
		BaselineOwners: map[string]string{"LT-00001": "euc@example.org", "LT-00002": "euc@example.org"}}
	p := Make([]record.Finding{f}, nil, cfg)
	if got := p.Calls[0].Assignees; fmt.Sprint(got) != "[euc-lead]" {
		t.Errorf("baseline owner: %v", got)
	}
	cfg.People = map[string]string{"jane@example.org": "jane-person"}
	p = Make([]record.Finding{control("LT-00002", "firewall", record.SevHigh)}, nil, cfg)
	if got := p.Calls[0].Assignees; fmt.Sprint(got) != "[jane-person]" {
		t.Errorf("a Person's login comes first: %v", got)
	}
}

func TestLedgerEntriesCarrySeverityAndDue(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	runSync(t, f, dir, writeAudit(t, 0, control("LT-00001", "firewall", record.SevHigh)), nil)
	runSync(t, f, dir, writeAudit(t, 1), nil)
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	snap, err := (&gitstore.Store{Repo: repo, Ref: "refs/estate/ledger"}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	es := snap.Entries()
	if len(es) != 2 || es[0].Incident.Severity != "high" || es[0].Incident.Due != "2026-12-15" ||
		es[1].Kind != ledger.KindIncidentClosed || es[1].Incident.Severity != "" || es[1].Incident.Due != "" {
		t.Fatalf("%+v %+v", es[0].Incident, es[len(es)-1].Incident)
	}
	if c := f.comments[1]; len(c) != 1 || c[0] != "Verified fixed by the audit of 2026-12-02 (not in the ledger yet: estate ledger record-audit records it)." {
		t.Errorf("close comment without an audit entry: %v", c)
	}
}

// TestAssigneeIsThePersonsLogin: a Person record's GitHub login comes
// before estate.yaml's assignees map; a leaver is never assigned.
func TestAssigneeIsThePersonsLogin(t *testing.T) {
	person := func(email, login, status string) []byte {
		return []byte("apiVersion: estate/v1\nkind: Person\nid: " + email + "\nname: X\ngithub: " + login + "\nstatus: " + status + "\n")
	}
	dir := estateRepoWith(t, map[string][]byte{
		"estate.yaml":                            []byte(settingsYAML),
		"inventory/people/jane@example.org.yaml": person("jane@example.org", "jane-person", "active"),
		"inventory/people/bob@example.org.yaml":  person("bob@example.org", "bob-left", "leaver"),
	})
	f := newFake(t)
	bob := control("LT-00009", "firewall", record.SevHigh)
	bob.Owner = "bob@example.org"
	runSync(t, f, dir, writeAudit(t, 0, control("LT-00001", "firewall", record.SevHigh), bob), nil)
	is := own(t, f)
	if a := fmt.Sprint(is["device/LT-00001"]["assignees"]); a != "[map[login:jane-person type:User]]" {
		t.Errorf("LT-00001 assignees %v, want the Person's login", a)
	}
	if a := fmt.Sprint(is["device/LT-00009"]["assignees"]); a != "[]" {
		t.Errorf("LT-00009 assignees %v, want none (its owner left)", a)
	}
}

// TestPartialReportRefused: one part of a sharded audit holds only some
// of the findings; syncing it would close the other parts' incidents.
func TestPartialReportRefused(t *testing.T) {
	dir := estateRepo(t, settingsYAML)
	f := newFake(t)
	data, err := json.Marshal(map[string]any{"tool": "estate audit", "findings": []record.Finding{}, "as_of": when.Format(time.RFC3339),
		"shard": map[string]any{"k": 2, "n": 16}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "part.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Dir: dir, Audit: p, Token: testToken, APIURL: f.srv.URL + "/", Repository: "octo/estate", HTTP: f.srv.Client(), Now: func() time.Time { return when }})
	if err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "one part of a sharded audit") {
		t.Fatalf("sync of a part: %v, want a usage error", err)
	}
	if len(f.writes) != 0 {
		t.Errorf("sync of a part wrote %v", f.writes)
	}
}

// TestInGraceInBody: a failure in its grace says until when, and the
// body does not change from one day's audit to the next while it lasts.
func TestInGraceInBody(t *testing.T) {
	f := control("LT-00001", "os-min", record.SevHigh)
	f.State, f.GraceUntil, f.FailingSince = record.StateInGrace, "2026-12-29", "2026-12-15"
	p := Make([]record.Finding{f, control("LT-00001", "firewall", record.SevHigh)}, nil, Config{Group: "device", At: when})
	b := p.Calls[0].Body
	if !strings.Contains(b, "### In grace\n\n- `LT-00001` `os-min`: in grace until **2026-12-29** (failing since 2026-12-15)\n") ||
		strings.Contains(b, "`firewall`: in grace") {
		t.Errorf("body:\n%s", b)
	}
	age := 3
	f.AgeDays = &age
	if b2 := Make([]record.Finding{f, control("LT-00001", "firewall", record.SevHigh)}, nil, Config{Group: "device", At: when}).Calls[0].Body; b2 != b {
		t.Errorf("the age changed the body")
	}
}
