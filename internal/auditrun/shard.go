package auditrun

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
)

// Part is what a partial report (estate audit --shard K/N --format json)
// says of itself, as its "shard" object: which part it is, and what it
// was judged on. Merge joins only parts that agree on all of it. A report
// with a shard object is never a whole audit: record-audit and incidents
// sync refuse it.
type Part struct {
	K int `json:"k"`
	N int `json:"n"`
	// Commit is the estate's HEAD commit ("" outside git).
	Commit string `json:"estate_commit"`
	// Baselines is a SHA-256 of the baselines and settings judged by.
	Baselines string `json:"baselines_digest"`
	// Facts is a SHA-256 of every facts document read (source, collector,
	// collection time, serial and hostname): each part reads them all; of
	// a facts store, of the files read (path and content hash), which are
	// the documents read, as a part reads only its own in full.
	Facts string `json:"facts_digest"`
	// FailOn is the severity the report's ok was judged at (never: none).
	FailOn string `json:"fail_on"`
	// AsOfGiven says as_of came from --as-of (not the clock).
	AsOfGiven bool `json:"as_of_given"`
	// FactsFindings are the places, among the whole audit's findings on
	// reading the facts (bad files and rows, documents after --as-of:
	// they come first in a report, in the order read, and every part
	// finds them all), of the ones this part reports, its first findings:
	// merge puts them back in that order.
	FactsFindings []int `json:"facts_findings,omitempty"`
}

// ParseShard reads a --shard value K/N (1 ≤ K ≤ N ≤ 1024). Empty is the
// whole audit.
func ParseShard(s string) (audit.Shard, error) {
	if s == "" {
		return audit.Shard{}, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 1024 || k < 1 || k > n {
		return audit.Shard{}, core.UsageError(fmt.Errorf("--shard %q is not K/N with 1 ≤ K ≤ N ≤ 1024", s),
			"e.g. --shard 3/16 audits the third of 16 parts; join the parts with estate audit merge")
	}
	return audit.Shard{K: k, N: n}, nil
}

// inShard keeps the findings on files of part sh (facts documents' own
// findings, and devices left out by --as-of), and says where each kept
// one was among fs.
func inShard(fs []record.Finding, sh audit.Shard) ([]record.Finding, []int) {
	out := fs[:0:0]
	var at []int
	for i, f := range fs {
		if sh.Has(f.Pos.File) {
			out = append(out, f)
			at = append(at, i)
		}
	}
	return out, at
}

func newPart(est *core.Estate, o Options, devices []record.Device, store []factstore.File) *Part {
	p := &Part{K: o.Shard.K, N: o.Shard.N, AsOfGiven: !o.AsOf.IsZero()}
	if repo, err := gitrepo.Open(est.Root); err == nil {
		if c, err := repo.Resolve("HEAD"); err == nil {
			p.Commit = c.Hash
		}
		repo.Close()
	}
	h := sha256.New()
	b, _ := json.Marshal(struct {
		B map[string]*record.Baseline
		S any
	}{est.Estate.Baselines, est.Estate.Settings})
	h.Write(b)
	p.Baselines = "sha256:" + hex.EncodeToString(h.Sum(nil))
	if store != nil {
		p.Facts = storeDigest(store)
	} else {
		p.Facts = factsDigest(devices)
	}
	return p
}

// storeDigest is Part.Facts of a facts store's files.
func storeDigest(files []factstore.File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x01", f.Path, f.SHA256, f.Rows)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// factsDigest is Part.Facts of the devices (merged, as audited).
func factsDigest(devices []record.Device) string {
	h := sha256.New()
	for _, d := range devices {
		h.Write([]byte(d.Source))
		h.Write([]byte{0})
		if f := d.Facts; f != nil {
			for _, s := range []string{f.Collector.Name, f.Collector.Source, f.CollectedAt, f.Identity.Serial, f.Identity.Hostname} {
				h.Write([]byte(s))
				h.Write([]byte{0})
			}
		}
		h.Write([]byte{1})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// noPartSelect makes a part read every document in full (the reference
// the picking is tested against).
var noPartSelect = false

// partSelect picks, for a part's read of a facts store, the documents
// the part needs in full, as they are read (factstore.ReadPicked): a
// document whose serial matches an asset is its device's, whatever the
// device's other documents say (facts.Merge merges by that serial, and
// the merged device matches that asset by it), so it is picked when the
// asset is in the part; every other document (matched by hostname, or
// not at all: its device's part may depend on its other documents), and
// every one after the as-of moment (a finding, on its own file), is
// picked. The picked documents hold every document of the part's
// devices, so merging them gives those devices exactly as merging all
// does; the engine leaves out the picked devices that are not the
// part's (audit.Shard), as it does when given every device.
type partSelect struct {
	e      *record.Estate
	shard  audit.Shard
	before time.Time
	ix     *match.Index // the estate's, built by pick (for the engine too)
}

// pick returns the pick (safe for concurrent use).
func (s *partSelect) pick() func(*record.Facts) bool {
	s.ix = match.New(s.e)
	ix := s.ix
	return func(f *record.Facts) bool {
		if !s.before.IsZero() {
			if t, err := time.Parse(time.RFC3339, f.CollectedAt); err == nil && t.After(s.before) {
				return true
			}
		}
		rec, byHost := ix.Find(f)
		return rec == nil || byHost || s.shard.Has(rec.ID)
	}
}

// foreign is a finding of p that is not its part's (audit.Shard: an
// asset's by the asset id, others by their file, the baselines' in part
// 1), or nil: a part edited, or written by another partition, would
// count findings twice or lose them.
func foreign(p *partReport) *record.Finding {
	sh := audit.Shard{K: p.Shard.K, N: p.Shard.N}
	if sh.K == 1 || sh.N <= 1 {
		return nil
	}
	owns := func(key string) bool { return key != "" && sh.Has(key) }
	for i := range p.Findings {
		if f := &p.Findings[i]; !owns(f.Record) && !owns(f.Pos.File) {
			return f
		}
	}
	return nil
}

// partReport is what Merge reads of a partial report.
type partReport struct {
	Tool       string           `json:"tool"`
	Version    string           `json:"version"`
	Findings   []record.Finding `json:"findings"`
	AsOf       string           `json:"as_of"`
	Compliance audit.Summary    `json:"compliance"`
	Shard      *Part            `json:"shard"`
	LedgerHead *ledger.Head     `json:"ledger_head"`
	FactsStore *factsStoreJSON  `json:"facts_store"`
	Partial    json.RawMessage  `json:"partial"`
}

// MergeInput is one partial report: its name (for errors) and bytes.
type MergeInput struct {
	Name string
	Data []byte
}

// Merged is the whole audit joined from its parts: write it with
// Write(w, format, r.Report(Version, FailOn), r, ...).
type Merged struct {
	*Result
	Version string
	FailOn  record.Severity
}

// Merge joins the parts of one sharded audit into the whole audit's
// result: the findings in the order the unsharded audit gives them, the
// compliance summed. It refuses parts that are missing or given twice,
// whole reports, and parts that disagree on what they judged (estate
// commit, baselines, facts, as-of, version, fail-on, missing-after).
func Merge(parts []MergeInput) (*Merged, error) {
	if len(parts) == 0 {
		return nil, core.UsageError(fmt.Errorf("audit merge: no partial reports given"), "give the reports of estate audit --shard K/N --format json, every K")
	}
	reps := make([]*partReport, len(parts))
	var first *partReport
	for i, in := range parts {
		var p partReport
		if err := json.Unmarshal(in.Data, &p); err != nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: read %s: %w", in.Name, err), "give the output of estate audit --shard K/N --format json")
		}
		if p.Tool != "estate audit" {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s is not an audit report (tool %q)", in.Name, p.Tool), "")
		}
		if p.Shard == nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s is a whole audit, not a part (it has no shard)", in.Name), "merge the reports of estate audit --shard K/N")
		}
		if p.Partial != nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s audited only the devices it collected (partial): its parts cannot make a whole audit", in.Name),
				"shard an audit of a facts folder or store (--facts), not one that collects")
		}
		if first == nil {
			first = &p
		} else if why := disagree(first, &p); why != "" {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s and %s are not parts of one audit: %s", parts[0].Name, in.Name, why),
				"run every part on one commit, one facts folder and one --as-of")
		}
		k := p.Shard.K
		if k < 1 || k > first.Shard.N {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s is part %d of %d", in.Name, k, p.Shard.N), "")
		}
		if f := foreign(&p); f != nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: %s, part %d of %d, holds a finding of another part (%s on %s): it would be counted twice",
				in.Name, k, first.Shard.N, f.Rule, cmp.Or(f.Record, f.Pos.File)), "give the reports estate audit --shard K/N wrote, unedited")
		}
		reps[i] = &p
	}
	n := first.Shard.N
	byK := make([]*partReport, n+1)
	names := make([]string, n+1)
	for i, p := range reps {
		if byK[p.Shard.K] != nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: part %d/%d is given twice (%s and %s)", p.Shard.K, n, names[p.Shard.K], parts[i].Name), "give each part once")
		}
		byK[p.Shard.K], names[p.Shard.K] = p, parts[i].Name
	}
	var missing []string
	for k := 1; k <= n; k++ {
		if byK[k] == nil {
			missing = append(missing, strconv.Itoa(k))
		}
	}
	if len(missing) > 0 {
		return nil, core.UsageError(fmt.Errorf("audit merge: part %s of %d missing: the merged report would not be the whole audit", strings.Join(missing, ", "), n),
			"give the report of every part, 1 to N")
	}
	at, err := ParseAsOf(first.AsOf)
	if err != nil || first.AsOf == "" {
		return nil, core.UsageError(fmt.Errorf("audit merge: %s: as_of %q is not RFC 3339", names[1], first.AsOf), "")
	}
	var failOn record.Severity
	if first.Shard.FailOn != "never" && failOn.UnmarshalText([]byte(first.Shard.FailOn)) != nil {
		return nil, core.UsageError(fmt.Errorf("audit merge: %s: fail_on %q is not a severity or never", names[1], first.Shard.FailOn), "")
	}
	res := &Result{At: at.UTC(), AsOf: first.Shard.AsOfGiven, LedgerHead: first.LedgerHead}
	if first.FactsStore != nil {
		res.Store = first.FactsStore.Files
	}
	if res.Findings, err = mergeAll(byK[1:]); err != nil {
		return nil, core.UsageError(fmt.Errorf("audit merge: %w", err), "merge the reports of one sharded audit, as estate audit --shard wrote them")
	}
	if res.Summary, err = mergeSummaries(byK[1:]); err != nil {
		return nil, core.UsageError(fmt.Errorf("audit merge: %w", err), "run every part on one commit")
	}
	return &Merged{Result: res, Version: first.Version, FailOn: failOn}, nil
}

// disagree says how two parts differ in what they judged ("" if not).
func disagree(a, b *partReport) string {
	x, y := a.Shard, b.Shard
	switch {
	case x.N != y.N:
		return fmt.Sprintf("one is of %d parts, the other of %d", x.N, y.N)
	case x.Commit != y.Commit:
		return fmt.Sprintf("estate commit %q and %q", x.Commit, y.Commit)
	case x.Baselines != y.Baselines:
		return "the baselines or settings differ"
	case x.Facts != y.Facts:
		return "the facts read differ"
	case a.AsOf != b.AsOf || x.AsOfGiven != y.AsOfGiven:
		return fmt.Sprintf("as_of %s and %s (give every part one --as-of)", a.AsOf, b.AsOf)
	case a.Version != b.Version:
		return fmt.Sprintf("estate %s and %s", a.Version, b.Version)
	case x.FailOn != y.FailOn:
		return fmt.Sprintf("--fail-on %s and %s", x.FailOn, y.FailOn)
	case a.Compliance.MissingAfterDays != b.Compliance.MissingAfterDays:
		return fmt.Sprintf("missing after %d and %d days", a.Compliance.MissingAfterDays, b.Compliance.MissingAfterDays)
	case !reflect.DeepEqual(a.LedgerHead, b.LedgerHead):
		return "they saw different ledger heads"
	case !reflect.DeepEqual(a.FactsStore, b.FactsStore):
		return "they read different facts stores"
	}
	return ""
}

// mergeAll joins the parts' findings: first those on reading the facts,
// each part's first ones, put back in their places (Part.FactsFindings),
// then the engine's (mergeFindings).
func mergeAll(parts []*partReport) ([]record.Finding, error) {
	type placed struct {
		at int
		f  record.Finding
	}
	var read []placed
	engine := make([][]record.Finding, len(parts))
	for i, p := range parts {
		at := p.Shard.FactsFindings
		if len(at) > len(p.Findings) {
			return nil, fmt.Errorf("part %d/%d lists %d findings on reading the facts but has %d findings", p.Shard.K, p.Shard.N, len(at), len(p.Findings))
		}
		for j, a := range at {
			read = append(read, placed{a, p.Findings[j]})
		}
		engine[i] = p.Findings[len(at):]
	}
	sort.Slice(read, func(i, j int) bool { return read[i].at < read[j].at })
	out := make([]record.Finding, 0, len(read))
	for i, r := range read {
		if r.at != i {
			return nil, fmt.Errorf("the parts' findings on reading the facts do not add up (place %d is missing or given twice)", i)
		}
		out = append(out, r.f)
	}
	return append(out, mergeFindings(engine)...), nil
}

// mergeFindings merges the parts' findings, each sorted as the audit
// sorts them (file, rule, control), keeping a part's order among equal
// keys; equal keys are never in two parts (see audit.Shard).
func mergeFindings(parts [][]record.Finding) []record.Finding {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out := make([]record.Finding, 0, total)
	at := make([]int, len(parts))
	less := func(a, b *record.Finding) bool {
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Control < b.Control
	}
	for len(out) < total {
		best := -1
		for i, p := range parts {
			if at[i] < len(p) && (best < 0 || less(&p[at[i]], &parts[best][at[best]])) {
				best = i
			}
		}
		out = append(out, parts[best][at[best]])
		at[best]++
	}
	return out
}

// mergeSummaries sums the parts' compliance.
func mergeSummaries(parts []*partReport) (audit.Summary, error) {
	s := audit.Summary{MissingAfterDays: parts[0].Compliance.MissingAfterDays}
	bases := map[string]*audit.BaselineSummary{}
	locs := map[string]*audit.LocationSummary{}
	for _, p := range parts {
		c := p.Compliance
		s.Add(c)
		for _, b := range c.Baselines {
			m := bases[b.Name]
			if m == nil { // the first part's, the others added to it
				first := b
				first.Controls = slices.Clone(b.Controls)
				bases[b.Name] = &first
				continue
			}
			if m.Version != b.Version || len(m.Controls) != len(b.Controls) {
				return s, fmt.Errorf("the parts judged baseline %s at different versions", b.Name)
			}
			m.Add(b)
			for i, x := range b.Controls {
				y := &m.Controls[i]
				if x.ID != y.ID {
					return s, fmt.Errorf("the parts judged baseline %s on different controls (%s, %s)", b.Name, x.ID, y.ID)
				}
				y.Add(x)
			}
		}
		for _, l := range c.Locations {
			m := locs[l.ID]
			if m == nil {
				first := l
				locs[l.ID] = &first
				continue
			}
			m.Add(l)
		}
	}
	for _, name := range sortedKeys(bases) {
		s.Baselines = append(s.Baselines, *bases[name])
	}
	for _, id := range sortedKeys(locs) {
		s.Locations = append(s.Locations, *locs[id])
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MergeFiles reads the partial reports at paths and merges them (Merge).
func MergeFiles(paths []string) (*Merged, error) {
	in := make([]MergeInput, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, core.UsageError(fmt.Errorf("audit merge: %w", err), "")
		}
		in = append(in, MergeInput{Name: p, Data: b})
	}
	return Merge(in)
}
