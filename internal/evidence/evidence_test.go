package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

func run(t *testing.T, o Options) *Result {
	t.Helper()
	o.Now = start.AddDate(0, 6, 0)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPackOfAVerifiedApprovedChange(t *testing.T) {
	gittest.NeedCLI(t) // the signature is git's verdict
	w := newWorld(t)
	merge := w.change(true, true)
	w.audit()
	for _, target := range []string{"CR-2026-0001", "#1", "1", merge[:9], merge} {
		res := run(t, Options{Dir: w.dir, Target: target})
		if len(res.Packs) != 1 {
			t.Fatalf("%s: %d packs", target, len(res.Packs))
		}
		p := res.Packs[0]
		if !p.Evidenced || len(p.Gaps) != 0 {
			t.Fatalf("%s: gaps %v", target, p.Gaps)
		}
		if p.Request == nil || p.Request.Record.ID != "CR-2026-0001" || p.Request.Path != "changes/CR-2026-0001.yaml" {
			t.Errorf("request: %+v", p.Request)
		}
		if p.Plan.Plan == nil || p.Plan.Base == "" || len(p.Plan.Plan.Records) == 0 {
			t.Errorf("plan: %+v", p.Plan)
		}
		if len(p.Approvals.Required) != 1 || !p.Approvals.Required[0].Met || p.Approvals.Required[0].Counted != 1 {
			t.Errorf("approvals: %+v", p.Approvals)
		}
		if p.Implementation.Merge != merge || p.Implementation.Signature.Status != "unsigned" {
			t.Errorf("implementation: %+v", p.Implementation)
		}
		v := p.Verification
		if !v.Verified || v.Entry == nil || v.Audit == nil || v.Entry.Prev != v.Audit.Hash || v.Report == nil {
			t.Errorf("verification: %+v", v)
		}
		// The chain: entry 1 (the change), 2 (the audit), 3 (change-verified).
		if !p.Chain.Intact || p.Chain.From != 1 || p.Chain.To != 3 || len(p.Chain.Links) != 3 || p.Chain.Links[1].Prev != p.Chain.Links[0].Hash {
			t.Errorf("chain: %+v", p.Chain)
		}
		if *p.LedgerHead != (ledger.Head{Entry: 3, Hash: p.Chain.Links[2].Hash}) {
			t.Errorf("ledger head %+v", p.LedgerHead)
		}
		if len(p.Baselines) != 1 || len(p.Baselines[0].Versions) != 2 || p.Baselines[0].Versions[0].Version != "2.3.0" ||
			p.Baselines[0].Versions[1].Version != "2.4.0" || p.Baselines[0].Versions[1].Change != "CR-2026-0001" {
			t.Errorf("baselines: %+v", p.Baselines)
		}
		if inv := p.Inventory; !inv.Known || inv.Period != "2026-Q3" || inv.Unregistered != 2 || inv.Duplicates != 1 || inv.Audits != 1 {
			t.Errorf("inventory: %+v", inv)
		}
		var ids []string
		for _, c := range p.Controls {
			ids = append(ids, c.ID)
			if !c.Evidenced || c.How == "" {
				t.Errorf("control %s: %+v", c.ID, c)
			}
		}
		if !slices.Equal(ids, []string{"CM-2", "CM-2(3)", "CM-3", "CM-5", "CM-6", "CM-8"}) {
			t.Errorf("controls %v", ids)
		}
	}
}

func TestAChangeWithGapsIsNeverEvidence(t *testing.T) {
	w := newWorld(t)
	w.change(false, false)
	w.audit("LT-1")
	p := run(t, Options{Dir: w.dir, Target: "CR-2026-0001"}).Packs[0]
	if p.Evidenced {
		t.Fatal("a change short of approvals and unverified is evidence")
	}
	joined := strings.Join(p.Gaps, "\n")
	for _, want := range []string{`short of approvals: rule "peer-review" required 1, 0 counted`, "not verified"} {
		if !strings.Contains(joined, want) {
			t.Errorf("gaps %q lack %q", joined, want)
		}
	}
	for _, c := range p.Controls {
		if (c.ID == "CM-3" || c.ID == "CM-5") && c.Evidenced {
			t.Errorf("%s evidenced despite the gaps", c.ID)
		}
	}
	var page bytes.Buffer
	if err := Render(&page, p); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{`<section id="gaps" class="gaps"><h2 class="gap">Not evidence`, `<span class="gap">short of approvals</span>`,
		`<p class="gap">Not verified`, "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(html, "Every part below is evidenced") || strings.Contains(html, "<script>") {
		t.Error("a pack with gaps reads as evidence, or lets a script in")
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	var back Pack
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Evidenced || len(back.Gaps) != len(p.Gaps) || back.LedgerHead == nil {
		t.Errorf("json round trip: %v %+v", err, back.Gaps)
	}
}

func TestRunRefusesWhatItCannotFind(t *testing.T) {
	w := newWorld(t)
	if _, err := Run(context.Background(), Options{Dir: w.dir, Target: "CR-2026-0001"}); err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "no ledger") {
		t.Fatalf("no ledger: %v", err)
	}
	w.change(true, false)
	for target, want := range map[string]string{"CR-2026-0009": "records no change CR-2026-0009", "#7": "records no change #7", "../x": "is not a change request id"} {
		if _, err := Run(context.Background(), Options{Dir: w.dir, Target: target}); err == nil || !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a usage error with %q", target, err, want)
		}
	}
	if _, err := Run(context.Background(), Options{Dir: w.dir, Sample: 3, Period: "2026-Q1"}); err == nil || !strings.Contains(err.Error(), "no change merged in 2026-Q1") {
		t.Errorf("empty period: %v", err)
	}
}

func TestSampleIsDeterministicAndStable(t *testing.T) {
	var es []*ledger.Entry
	for i := 1; i <= 40; i++ {
		es = append(es, &ledger.Entry{Seq: int64(i), Kind: ledger.KindChangeImplemented, Time: ledger.FormatTime(start.AddDate(0, 0, i)),
			Commits: &ledger.Commits{Merge: strings.Repeat(string(rune('a'+i%6)), 20) + strings.Repeat("0", 18) + string(rune('a'+i/16)) + string(rune('a'+i%16))}})
	}
	es = append(es, &ledger.Entry{Seq: 99, Kind: ledger.KindChangeImplemented, Time: "2026-10-02T00:00:00Z", Commits: &ledger.Commits{Merge: strings.Repeat("f", 40)}})
	q3, _ := ParsePeriod("2026-Q3")
	seqs := func(s []*ledger.Entry) []int64 {
		var out []int64
		for _, e := range s {
			out = append(out, e.Seq)
		}
		return out
	}
	a, b := Sample(es, q3, 5, 7), Sample(es, q3, 5, 7)
	if len(a) != 5 || !slices.Equal(seqs(a), seqs(b)) || slices.Contains(seqs(a), 99) {
		t.Fatalf("sample %v, again %v", seqs(a), seqs(b))
	}
	if slices.Equal(seqs(a), seqs(Sample(es, q3, 5, 8))) {
		t.Errorf("seeds 7 and 8 drew the same sample %v", seqs(a))
	}
	// A change recorded later joins the sample or not; it never brings
	// in another old one: the old changes drawn are among those drawn
	// before.
	fewer := Sample(es[:30], q3, 5, 7)
	for _, s := range seqs(a) {
		if s <= 30 && !slices.Contains(seqs(fewer), s) {
			t.Errorf("adding changes 31-40 brought in the old change %d: %v -> %v", s, seqs(fewer), seqs(a))
		}
	}
	if got := Sample(es, q3, 100, 7); len(got) != 40 {
		t.Errorf("a sample larger than the period: %d", len(got))
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string][2]string{
		"2026-Q3": {"2026-07-01", "2026-10-01"}, "2026-Q4": {"2026-10-01", "2027-01-01"}, "2026-02": {"2026-02-01", "2026-03-01"},
		"2026": {"2026-01-01", "2027-01-01"}, "2026-07-01..2026-07-31": {"2026-07-01", "2026-08-01"},
	} {
		p, err := ParsePeriod(in)
		if err != nil || p.Start.Format("2006-01-02") != want[0] || p.End.Format("2006-01-02") != want[1] {
			t.Errorf("%s: %v %v, want %v", in, p, err, want)
		}
	}
	for _, bad := range []string{"2026-Q5", "2026-13", "Q3", "2026-08-01..2026-07-01", ""} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestPlanOfASquashMergeWhoseHeadIsGone: the ledger names the pull
// request's head (from GitHub), which a squash merge leaves unfetched;
// the plan is then the merge against its base, and says so.
func TestPlanOfASquashMergeWhoseHeadIsGone(t *testing.T) {
	w := newWorld(t)
	w.n++
	w.write("changes/CR-2026-0001.yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0001\ntitle: Squashed\ntype: normal\nreason: r\nrisk: low\n")
	w.write("inventory/laptop/LT-1.yaml", asset("LT-1", "someone@example.org"))
	merge := w.commit("Squashed (#1)")
	gone := strings.Repeat("3", 40)
	reviews := func(context.Context, *record.Settings, string, int) (*ops.PullRequest, error) {
		return &ops.PullRequest{Author: "jane", Head: gone, Approvals: []ledger.Approval{{By: "bob", At: ledger.FormatTime(w.when)}}}, nil
	}
	if _, err := ops.Record(context.Background(), ops.RecordOptions{Dir: w.dir, Reviews: reviews, Now: func() time.Time { return w.when }}); err != nil {
		t.Fatal(err)
	}
	p := run(t, Options{Dir: w.dir, Target: "1"}).Packs[0]
	if p.Plan.Plan == nil || p.Plan.Head != merge || !strings.Contains(p.Plan.Note, "is not in this repository") || p.Request == nil {
		t.Fatalf("plan %+v", p.Plan)
	}
	if p.Implementation.Head != gone {
		t.Errorf("implementation head %s", p.Implementation.Head)
	}
}

// TestAChangeWithoutRequestOrPR: a commit recorded with no change request
// and no pull request is named by its merge commit, and has a gap.
func TestAChangeWithoutRequestOrPR(t *testing.T) {
	w := newWorld(t)
	w.write("inventory/laptop/LT-1.yaml", asset("LT-1", "direct@example.org"))
	merge := w.commit("hotfix owner")
	if _, err := ops.Record(context.Background(), ops.RecordOptions{Dir: w.dir, Now: func() time.Time { return w.when }}); err != nil {
		t.Fatal(err)
	}
	res := run(t, Options{Dir: w.dir, Target: merge[:10]})
	p := res.Packs[0]
	if p.Name != merge[:12] || p.Request != nil || p.Evidenced || !strings.Contains(strings.Join(p.Gaps, "\n"), "no change request") {
		t.Fatalf("pack %s: request %v, gaps %v", p.Name, p.Request, p.Gaps)
	}
	if _, err := Write(t.TempDir(), res.Packs); err != nil {
		t.Fatal(err)
	}
	if !safeName(merge[:12]) || safeName("..") || safeName("a/b") || safeName("") || safeName(".x") {
		t.Error("safeName")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-Q3", "2026-07", "2026", "2026-07-01..2026-09-30", "2026-02-30..2026-03-01", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if !p.End.After(p.Start) || p.Name != s || !p.Contains(p.Start) || p.Contains(p.End) {
			t.Fatalf("%q: %+v", s, p)
		}
	})
}
