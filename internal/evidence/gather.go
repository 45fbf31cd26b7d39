package evidence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/change/plan"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/history/show"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// SchemaVersion names the pack's JSON shape.
const SchemaVersion = "estate/evidence/v1"

// Options say which changes to gather evidence for.
type Options struct {
	Dir string // a directory of the repository (default ".")
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at HEAD)
	// Target is one change: its change request id (CR-2026-0042), its
	// pull request number (42 or #42) or its merge commit (7 to 40 hex
	// digits, or the PR's head commit).
	Target string
	// Sample, with Period, draws that many changes of the period instead
	// (see Sample); Seed picks the draw (0: the period's default).
	Sample int
	Period string
	Seed   uint64
	// Now stamps the packs (default time.Now).
	Now time.Time
	Log *slog.Logger
}

// Result is the packs gathered.
type Result struct {
	Ref        string
	Head       *ledger.Head
	Period     *Period // for a sample
	Candidates int     // the period's changes the sample was drawn from
	Seed       uint64
	Packs      []*Pack
}

// Gaps counts the packs with gaps.
func (r *Result) Gaps() int {
	n := 0
	for _, p := range r.Packs {
		if !p.Evidenced {
			n++
		}
	}
	return n
}

var (
	usage   = core.UsageError
	prRE    = regexp.MustCompile(`^#?([0-9]{1,9})$`)
	shaRE   = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)
	idCRish = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	fileRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// gatherer holds what every pack of a run shares.
type gatherer struct {
	o        Options
	repo     *gitrepo.Repo
	ref      string
	stored   []ledger.Stored
	entries  []*ledger.Entry
	bySeq    map[int64]int // seq → index in stored
	hashes   []string
	problems []string
	head     *ledger.Head
	policies map[string]*record.ChangePolicy
	now      time.Time
}

// Run gathers the evidence for o.Target, or for a sample of o.Period.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Target != "" && (o.Sample != 0 || o.Period != "") {
		return nil, usage(errors.New("name one change, or give --sample N --period P: not both"), "")
	}
	if o.Target == "" && o.Sample == 0 {
		return nil, usage(errors.New("name a change (CR-ID, PR number or commit), or give --sample N --period P"), "")
	}
	if o.Sample < 0 {
		return nil, usage(fmt.Errorf("--sample %d: want a number of changes, 1 or more", o.Sample), "")
	}
	if o.Sample > 0 && o.Period == "" {
		return nil, usage(errors.New("--sample needs --period (e.g. 2026-Q3)"), "")
	}
	g := &gatherer{o: o, now: o.Now, policies: map[string]*record.ChangePolicy{}}
	if g.now.IsZero() {
		g.now = time.Now()
	}
	repo, err := gitrepo.Open(cmp.Or(o.Dir, "."))
	if err != nil {
		return nil, usage(err, "estate evidence reads git and the ledger: run it in the estate's repository")
	}
	defer repo.Close()
	g.repo = repo
	if err := g.readLedger(ctx); err != nil {
		return nil, err
	}
	res := &Result{Ref: g.ref, Head: g.head}
	var picked []*ledger.Entry
	if o.Sample > 0 {
		p, err := ParsePeriod(o.Period)
		if err != nil {
			return nil, usage(err, "")
		}
		res.Period, res.Seed = &p, o.Seed
		res.Candidates = len(Sample(g.entries, p, -1, o.Seed))
		picked = Sample(g.entries, p, o.Sample, o.Seed)
		if len(picked) == 0 {
			return nil, usage(fmt.Errorf("the ledger records no change merged in %s (%s to %s)", p.Name, p.Start.Format(time.DateOnly), p.End.AddDate(0, 0, -1).Format(time.DateOnly)),
				"name another period, or run estate ledger show to see what the ledger holds")
		}
	} else {
		e, err := g.find(o.Target)
		if err != nil {
			return nil, err
		}
		picked = []*ledger.Entry{e}
	}
	for _, e := range picked {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var period Period
		if res.Period != nil {
			period = *res.Period
		} else {
			period = QuarterOf(e.When())
		}
		p, err := g.pack(ctx, e, period)
		if err != nil {
			return nil, err
		}
		res.Packs = append(res.Packs, p)
	}
	return res, nil
}

func (g *gatherer) readLedger(ctx context.Context) error {
	g.ref = g.o.Ref
	if g.ref == "" {
		h, err := g.repo.Resolve("HEAD")
		if err != nil {
			return usage(err, "the repository has no commits")
		}
		g.ref = gitstore.Settings(g.repo, h.Hash).LedgerRef()
	}
	snap, err := (&gitstore.Store{Repo: g.repo, Ref: g.ref}).Read(ctx)
	if err != nil {
		return err
	}
	if snap.Tip == "" {
		return usage(fmt.Errorf("no ledger: %s does not exist in this repository", g.ref),
			"evidence comes from the ledger: fetch it (git fetch origin "+g.ref+":"+g.ref+") or name it with --ref")
	}
	g.stored, g.entries = snap.Stored, snap.Entries()
	g.bySeq = map[int64]int{}
	g.hashes = make([]string, len(g.stored))
	for i := range g.stored {
		g.hashes[i] = ledger.Hash(g.stored[i].Raw)
		if s := g.stored[i].Seq(); s > 0 {
			if _, dup := g.bySeq[s]; !dup {
				g.bySeq[s] = i
			}
		}
	}
	for _, f := range ledger.VerifyChain(g.stored, g.ref) {
		g.problems = append(g.problems, f.Message)
	}
	g.head = ledger.HeadOf(g.stored)
	return nil
}

// find is the change-implemented entry target names.
func (g *gatherer) find(target string) (*ledger.Entry, error) {
	var hits []*ledger.Entry
	seen := map[string]bool{}
	add := func(e *ledger.Entry) {
		if !seen[e.Merge()] {
			seen[e.Merge()] = true
			hits = append(hits, e)
		}
	}
	m := prRE.FindStringSubmatch(target)
	for _, e := range g.entries {
		if e.Kind != ledger.KindChangeImplemented {
			continue
		}
		switch {
		case m != nil:
			if n, _ := strconv.Atoi(m[1]); n == e.PR {
				add(e)
			}
		case shaRE.MatchString(target):
			t := strings.ToLower(target)
			if strings.HasPrefix(e.Merge(), t) || (e.Commits != nil && e.Commits.Head != "" && strings.HasPrefix(e.Commits.Head, t)) {
				add(e)
			}
		case e.Change == target:
			add(e)
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		var names []string
		for _, e := range hits {
			names = append(names, fmt.Sprintf("entry %d (%.12s)", e.Seq, e.Merge()))
		}
		return nil, usage(fmt.Errorf("%s names %d changes: %s", target, len(hits), strings.Join(names, ", ")), "name the merge commit")
	case m == nil && !shaRE.MatchString(target) && !idCRish.MatchString(target):
		return nil, usage(fmt.Errorf("%q is not a change request id, a pull request number or a commit", target), "")
	}
	return nil, usage(fmt.Errorf("the ledger records no change %s", target),
		"a change is in the ledger once estate ledger record has recorded its merge; a commit that bypassed change control has no evidence (estate ledger verify names it)")
}

func (g *gatherer) ref2(seq int64) *EntryRef {
	i, ok := g.bySeq[seq]
	if !ok {
		return nil
	}
	s := &g.stored[i]
	return &EntryRef{Seq: seq, Kind: string(s.Entry.Kind), Time: s.Entry.Time, Hash: g.hashes[i], Prev: s.Entry.Prev, Commit: s.Commit}
}

// pack gathers the evidence of change c, with the inventory of period.
func (g *gatherer) pack(ctx context.Context, c *ledger.Entry, period Period) (*Pack, error) {
	p := &Pack{Schema: SchemaVersion, Change: c.Change, Title: c.Title, Generated: ledger.FormatTime(g.now), LedgerHead: g.head}
	switch {
	case c.Change != "":
		p.Name = c.Change
	case c.PR != 0:
		p.Name = fmt.Sprintf("pr-%d", c.PR)
	default:
		p.Name = c.Merge()[:min(12, len(c.Merge()))]
	}
	if !safeName(p.Name) {
		return nil, fmt.Errorf("entry %d names change %q, which cannot be a file name", c.Seq, p.Name)
	}
	im := Implementation{Entry: *g.ref2(c.Seq), Merge: c.Merge(), PR: c.PR, Author: c.Author, Time: c.Time, Type: c.Type, Risk: c.Risk, Records: c.Records}
	if c.Commits != nil {
		im.Base, im.Head = c.Commits.Base, c.Commits.Head
	}
	if im.Records == nil {
		im.Records = []ledger.Affected{}
	}
	sig, err := g.repo.Signature(ctx, c.Merge())
	if err != nil {
		return nil, err
	}
	im.Signature = sig
	p.Implementation = im
	g.approvals(p, c)
	g.plan(ctx, p, c)
	g.verification(p, c)
	g.chain(p, c)
	g.baselines(ctx, p, c)
	p.Inventory = g.inventory(period)
	judge(p)
	return p, nil
}

func safeName(s string) bool {
	return len(s) <= 128 && fileRE.MatchString(s)
}

func (g *gatherer) approvals(p *Pack, c *ledger.Entry) {
	a := Approvals{Required: []Requirement{}, Given: c.Approvers}
	if a.Given == nil {
		a.Given = []ledger.Approval{}
	}
	if c.Commits != nil && c.Commits.Base != "" {
		if pol := gitstore.Policy(g.repo, c.Commits.Base, g.policies); pol != nil {
			a.PolicyFrom = c.Commits.Base
			for _, r := range ledger.Required(pol, c) {
				deadline := c.When()
				if c.Type == "emergency" && pol.Emergency != nil {
					deadline = deadline.AddDate(0, 0, pol.Emergency.ReviewWithinDays)
				}
				n := ledger.Approvals(c, r, deadline)
				a.Required = append(a.Required, Requirement{Rule: r.Rule, Count: r.Count, Users: r.Users, Teams: r.Teams,
					Counted: n, Deadline: ledger.FormatTime(deadline), Met: n >= r.Count})
			}
		}
	}
	p.Approvals = a
}

func (g *gatherer) plan(ctx context.Context, p *Pack, c *ledger.Entry) {
	base, head := p.Implementation.Base, cmp.Or(p.Implementation.Head, p.Implementation.Merge)
	p.Plan = &Plan{Base: base, Head: head}
	if base == "" {
		p.Plan.Error = "the merge commit has no parent to plan against"
		return
	}
	if _, err := g.repo.Resolve(head); err != nil && head != p.Implementation.Merge {
		// A squash merge's PR head is often not fetched: the merged tree
		// against the same base is the change that was approved and merged.
		p.Plan.Note = fmt.Sprintf("the pull request's head %.12s is not in this repository; planned the merge commit against its base instead", head)
		head = p.Implementation.Merge
		p.Plan.Head = head
	}
	res, err := plan.Run(ctx, plan.Options{Dir: cmp.Or(g.o.Dir, "."), Base: base, Head: head, Now: c.When(), Log: g.o.Log})
	if err != nil {
		p.Plan.Error = err.Error()
		return
	}
	p.Plan.Plan = res.Plan
	if res.Plan.Request != nil {
		p.Request = &Request{Path: res.Plan.RequestPath, Record: res.Plan.Request}
	}
}

func (g *gatherer) verification(p *Pack, c *ledger.Entry) {
	for _, e := range g.entries {
		if e.Kind != ledger.KindChangeVerified || !slices.Contains(e.Verifies, c.Seq) {
			continue
		}
		v := Verification{Verified: true, Entry: g.ref2(e.Seq), Audit: g.ref2(e.AuditSeq)}
		if v.Audit != nil {
			v.Report = g.stored[g.bySeq[e.AuditSeq]].Entry.Audit
		}
		p.Verification = v
		return
	}
}

func (g *gatherer) chain(p *Pack, c *ledger.Entry) {
	ch := Chain{From: c.Seq, Intact: len(g.problems) == 0, Links: []EntryRef{}, Problems: g.problems}
	start := g.bySeq[c.Seq]
	for i := start; i < len(g.stored); i++ {
		s := &g.stored[i]
		if s.Entry == nil {
			ch.Intact = false
			continue
		}
		if i > start && s.Entry.Prev != g.hashes[i-1] {
			ch.Intact = false
		}
		ch.Links = append(ch.Links, EntryRef{Seq: s.Entry.Seq, Kind: string(s.Entry.Kind), Time: s.Entry.Time, Hash: g.hashes[i], Prev: s.Entry.Prev, Commit: s.Commit})
		ch.To = s.Entry.Seq
	}
	p.Chain = ch
}

// baselines lists the history up to the merge of the baselines the change
// touched, or, when it touched none, of every baseline at the merge.
func (g *gatherer) baselines(ctx context.Context, p *Pack, c *ledger.Entry) {
	var paths []string
	for _, r := range c.Records {
		if r.Kind == string(record.KindBaseline) && r.Action != "removed" {
			paths = append(paths, r.Path)
		}
	}
	if len(paths) == 0 {
		if t, err := g.repo.Tree(c.Merge()); err == nil {
			if es, err := t.Only([]string{"policies/baselines"}, nil, nil).Entries(ctx); err == nil {
				for _, e := range es {
					if strings.HasPrefix(e.Path, "policies/baselines/") && (strings.HasSuffix(e.Path, ".yaml") || strings.HasSuffix(e.Path, ".yml")) {
						paths = append(paths, e.Path)
					}
				}
			}
		}
	}
	slices.Sort(paths)
	p.Baselines = []BaselineHist{}
	for _, bp := range slices.Compact(paths) {
		name := strings.TrimSuffix(strings.TrimSuffix(path.Base(bp), ".yaml"), ".yml")
		h, err := show.Run(ctx, show.Options{Dir: cmp.Or(g.o.Dir, "."), Rev: c.Merge(), Ref: g.ref, Record: bp,
			Warn: func(msg string, err error) {
				if g.o.Log != nil {
					g.o.Log.Warn(msg, "err", err)
				}
			}})
		if err != nil {
			p.Baselines = append(p.Baselines, BaselineHist{Name: name, Path: bp, Versions: []BaselineVersion{}, Error: err.Error()})
			continue
		}
		p.Baselines = append(p.Baselines, historyOf(name, h))
	}
}

// inventory is the accuracy the period's last audit recorded.
func (g *gatherer) inventory(p Period) *Inventory {
	inv := &Inventory{Period: p.Name, Start: p.Start.Format(time.DateOnly), End: p.End.AddDate(0, 0, -1).Format(time.DateOnly)}
	for _, e := range g.entries {
		if e.Kind != ledger.KindAudit || e.Audit == nil || !p.Contains(e.When()) {
			continue
		}
		inv.Audits++
		inv.Known = true
		inv.Last, inv.LastSeq = e.Time, e.Seq
		s := e.Audit.Summary
		inv.Devices, inv.Assets, inv.Unregistered, inv.Missing, inv.Duplicates = s["devices"], s["assets"], s["unregistered"], s["missing"], s["duplicates"]
	}
	return inv
}
