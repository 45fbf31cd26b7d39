package audit

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
)

// Rule names of audit findings.
const (
	RuleControl      = "audit/control"      // a control of the device's baseline fails
	RuleUnverified   = "audit/unverified"   // a control could not be checked: the fact was not collected
	RuleBadFact      = "audit/bad-fact"     // a fact was collected but cannot be judged (e.g. not a version)
	RuleBaseline     = "audit/baseline"     // a control or baseline that cannot be evaluated at all
	RuleUnregistered = "audit/unregistered" // a device seen that is not in the inventory
	RuleMissing      = "audit/missing"      // a deployed asset not seen recently
	RuleSerial       = "audit/serial"       // serial differs from the inventory
	RuleHostname     = "audit/hostname"     // hostname differs from the inventory
	RuleModel        = "audit/model"        // model or manufacturer differs from the inventory
	RuleOwner        = "audit/owner"        // the logged-in users do not include the asset's owner
	RuleStatus       = "audit/status"       // a retired, disposed, lost or stolen asset was seen
	RuleDuplicate    = "audit/duplicate"    // two facts documents for one asset
	RuleOS           = "audit/os"           // the device's OS is not the one its baseline applies to
	RuleUpcoming     = "audit/upcoming"     // a control fails that takes effect on a later day (info)
	RuleConflict     = "audit/conflict"     // an older, still current source's value of a fact gives another verdict
	RuleLeaver       = "audit/leaver"       // a deployed or loaned asset is still with a leaver
	RuleLeaverUser   = "audit/leaver-user"  // a leaver is logged in on a device
)

// Options tune a run.
type Options struct {
	// Now is the time the audit judges freshness and expiry against.
	Now time.Time
	// MissingAfter: a deployed asset whose newest facts are older than
	// this is missing. Zero: the estate's audit.missing_after_days, or 30 days.
	MissingAfter time.Duration
	// Partial says the facts cover only some devices (e.g. the machine
	// estate runs on): assets without facts are not reported missing.
	Partial bool
	// Workers is how many goroutines evaluate controls (default: all cores).
	Workers int
	// FailingSince, when set, gives the moment a device (asset id) began
	// failing a control without a pass since (from the ledger's compliance
	// changes); ok false when the ledger has no failure of it. A failure
	// the ledger does not know began with this audit (Now).
	FailingSince func(asset, control string) (since time.Time, ok bool)
	// Shard, when set, audits only that part of the estate (see Shard):
	// its devices, its expected assets and their findings. Every device is
	// still matched, so that each part judges the same duplicates.
	Shard Shard
	// Index, when set, is match.New(e), built already (a sharded part's
	// facts reader built it to pick its devices); nil: built here.
	Index *match.Index
	// Prior are findings of the caller's (reading the facts, say) that
	// come first in the result, as they are: the engine's own follow,
	// sorted, in the same slice, so that a million findings are not
	// copied once more to join them.
	Prior []record.Finding
}

// Result is the outcome of an audit.
type Result struct {
	Findings []record.Finding
	Summary  Summary
	// Seen, for a partial audit only (Options.Partial), are the ids of
	// the assets whose devices it saw, sorted: what it judged, so that a
	// device it did not see is never taken for one that passed.
	Seen []string
}

// missingStatuses are the statuses whose assets must not be seen.
var goneStatuses = map[string]record.Severity{"retired": record.SevHigh, "disposed": record.SevHigh,
	"lost": record.SevCritical, "stolen": record.SevCritical}

// pair is a device matched to an asset.
type pair struct {
	dev    *record.Device
	asset  *record.Asset
	path   string // the asset's record file
	byHost bool   // matched by hostname, not serial
	at     time.Time
	status devStatus
	ev     string // evidence(dev), made once: every finding of the device shares it
}

// evidence is the pair's device's evidence, one string for all its
// findings (a pair is one worker's).
func (p *pair) evidence() string {
	if p.ev == "" {
		p.ev = evidence(p.dev)
	}
	return p.ev
}

type devStatus uint8

const (
	noBaseline devStatus = iota
	compliant
	nonCompliant
	unverified
)

// run is the state shared by one audit.
type run struct {
	e        *record.Estate
	opts     Options
	today    string
	pkgNames []string // lower-cased package names the controls read
	pkgIdx   map[string]int
	pkgLens  [256]bool // lengths of pkgNames, to skip most packages without hashing
	controls []*control
	byBase   map[string][]*control
	unreg    int // devices that matched no asset
	devices  int // devices of this audit (of its shard)
	managed  map[string]bool
	// knownErrors are the problems of status known-error, by id.
	knownErrors []*record.Problem
	// leavers are the people who left, by email and by the email's
	// local part (how a device names its users).
	leavers map[string]*record.Person
}

// Run audits devices against e. It never fails: every problem with a
// device, a fact or a control is a finding, and the rest goes on.
func Run(e *record.Estate, devices []record.Device, opts Options) *Result {
	if opts.Now.IsZero() {
		// No clock was given: judge as of the newest facts.
		for _, d := range devices {
			if d.Facts == nil {
				continue
			}
			if t, err := time.Parse(time.RFC3339, d.Facts.CollectedAt); err == nil && t.After(opts.Now) {
				opts.Now = t
			}
		}
	}
	if opts.MissingAfter == 0 {
		days := 30
		if e.Settings != nil && e.Settings.Audit != nil && e.Settings.Audit.MissingAfterDays > 0 {
			days = e.Settings.Audit.MissingAfterDays
		}
		opts.MissingAfter = time.Duration(days) * 24 * time.Hour
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	r := &run{e: e, opts: opts, today: opts.Now.UTC().Format("2006-01-02"),
		pkgIdx: map[string]int{}, byBase: map[string][]*control{}, managed: map[string]bool{}}
	for _, c := range e.Settings.ManagedClassList() {
		r.managed[c] = true
	}
	findings := opts.Prior
	if bf := r.compileBaselines(); opts.Shard.Whole() || opts.Shard.K == 1 {
		findings = append(findings, bf...)
	}
	r.compileProblems()
	findings = append(findings, r.leaverAssets()...)

	// Index the inventory (internal/match: the one matcher), and find
	// the assets expected to report. Where two records share an id, the
	// first (in path order) is the asset, as in record.NewEstate.
	ix := opts.Index
	if ix == nil {
		ix = match.New(e)
	}
	var scope []*record.Record
	for _, rec := range e.Records {
		if rec.Kind == record.KindAsset && r.inScope(rec.Asset) && e.Assets[rec.ID] == rec.Asset && opts.Shard.Has(rec.ID) {
			scope = append(scope, rec)
		}
	}
	var wg sync.WaitGroup
	pairs, fs := r.match(devices, ix)
	findings = append(findings, fs...)

	// Evaluate on all cores: each worker takes a contiguous share; the
	// missing assets are found meanwhile.
	nw := opts.Workers
	if nw > len(pairs) {
		nw = max(1, len(pairs))
	}
	workers := make([]*worker, nw)
	for i := range workers {
		w := &worker{r: r, counts: make([][7]int, len(r.controls)), versions: map[string]*version.Version{}, checked: map[verKey]bool{}}
		workers[i] = w
		lo, hi := i*len(pairs)/nw, (i+1)*len(pairs)/nw
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := lo; j < hi; j++ {
				w.device(&pairs[j])
			}
		}()
	}
	missing, missFindings := r.missing(pairs, scope)
	wg.Wait()
	counts := make([][7]int, len(r.controls))
	total := len(findings) + len(missFindings)
	for _, w := range workers {
		for _, b := range w.findings {
			total += len(b)
		}
	}
	findings = slices.Grow(findings, total-len(findings))
	for _, w := range workers {
		for _, b := range w.findings {
			findings = append(findings, b...)
		}
		w.findings = nil
		for i, c := range w.counts {
			for k := range c {
				counts[i][k] += c[k]
			}
		}
	}
	findings = append(findings, missFindings...)
	sortFindings(findings[len(opts.Prior):])
	res := &Result{Findings: findings, Summary: r.summarize(r.devices, pairs, missing, counts, scope)}
	if opts.Partial {
		for i := range pairs {
			if pairs[i].asset != nil {
				res.Seen = append(res.Seen, pairs[i].asset.ID)
			}
		}
		slices.Sort(res.Seen)
		res.Seen = slices.Compact(res.Seen)
		if res.Seen == nil {
			res.Seen = []string{}
		}
	}
	return res
}

// compileBaselines prepares the controls of every baseline an asset
// names, once.
func (r *run) compileBaselines() []record.Finding {
	var out []record.Finding
	pkgIndex := func(name string) int {
		l := strings.ToLower(strings.TrimSpace(name))
		if i, ok := r.pkgIdx[l]; ok {
			return i
		}
		r.pkgIdx[l] = len(r.pkgNames)
		r.pkgNames = append(r.pkgNames, l)
		r.pkgLens[min(len(l), 255)] = true
		return len(r.pkgNames) - 1
	}
	paths := map[string]string{}
	for _, rec := range r.e.Records {
		if rec.Kind == record.KindBaseline {
			paths[rec.ID] = rec.Path
		}
	}
	names := map[string]bool{}
	for _, rec := range r.e.Records {
		if rec.Kind == record.KindAsset && rec.Asset.Baseline != "" {
			names[rec.Asset.Baseline] = true
		}
	}
	for _, name := range sortedKeys(names) {
		b := r.e.Baselines[name]
		if b == nil {
			continue // the reference rule of validate reports it; each asset says so too
		}
		for _, c := range rules.EffectiveControls(r.e, name) {
			cc := compile(b, c, pkgIndex)
			cc.idx = len(r.controls)
			r.controls = append(r.controls, cc)
			r.byBase[name] = append(r.byBase[name], cc)
			if cc.problem != "" {
				out = append(out, record.Finding{Pos: record.Pos{File: paths[name]}, Rule: RuleBaseline,
					Severity: record.SevMedium, Record: name, Control: c.ID, Owner: b.Owner,
					Message: fmt.Sprintf("control %s of baseline %s cannot be evaluated: %s", c.ID, name, cc.problem),
					Hint:    "fix the control's check; until then no device is judged on it"})
			}
		}
	}
	return out
}

// match pairs devices with assets (by serial, then by hostname) and
// reports the devices that match none, and duplicates.
func (r *run) match(devices []record.Device, ix *match.Index) ([]pair, []record.Finding) {
	// Look every device up on all cores (the indexes are read-only), then
	// pair them in order, which decides duplicates deterministically.
	type cand struct {
		rec     *record.Record
		viaHost bool
		at      time.Time
	}
	cands := make([]cand, len(devices))
	nw := max(1, min(r.opts.Workers, len(devices)/1000))
	var wg sync.WaitGroup
	for w := range nw {
		lo, hi := w*len(devices)/nw, (w+1)*len(devices)/nw
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f := devices[i].Facts
				if f == nil {
					continue
				}
				c := &cands[i]
				c.at, _ = time.Parse(time.RFC3339, f.CollectedAt)
				c.rec, c.viaHost = ix.Find(f)
			}
		}()
	}
	wg.Wait()

	var out []record.Finding
	pairs := make([]pair, 0, len(devices))
	seen := make(map[*record.Asset]int, len(devices)) // asset → index in pairs
	sh := r.opts.Shard
	for i := range devices {
		d := &devices[i]
		f := d.Facts
		if !sh.Whole() {
			key := d.Source
			if c := cands[i].rec; f != nil && c != nil {
				key = c.ID
			}
			if !sh.Has(key) {
				continue
			}
		}
		r.devices++
		if f == nil {
			r.unreg++
			out = append(out, record.Finding{Pos: record.Pos{File: d.Source}, Rule: RuleUnregistered, Severity: record.SevHigh,
				Message: "a device without facts was given to the audit"})
			continue
		}
		rec, viaHost, at := cands[i].rec, cands[i].viaHost, cands[i].at
		if rec == nil {
			r.unreg++
			out = append(out, record.Finding{Pos: record.Pos{File: d.Source}, Rule: RuleUnregistered, Severity: record.SevHigh,
				Message:  fmt.Sprintf("a device was seen that is not in the inventory: %s", describe(f)),
				Hint:     "register it under inventory/<class>/ (or find out whose it is)",
				Observed: describe(f), Evidence: evidence(d)})
			continue
		}
		a := rec.Asset
		if j, dup := seen[a]; dup {
			older, newer := &pairs[j], pair{dev: d, at: at}
			if at.After(older.at) {
				out = append(out, dupFinding(a, r.e.Accountable(a), rec.Path, older.dev, d))
				pairs[j].dev, pairs[j].at, pairs[j].byHost = d, at, viaHost
			} else {
				out = append(out, dupFinding(a, r.e.Accountable(a), rec.Path, newer.dev, older.dev))
			}
			continue
		}
		seen[a] = len(pairs)
		pairs = append(pairs, pair{dev: d, asset: a, path: rec.Path, byHost: viaHost, at: at})
	}
	return pairs, out
}

func dupFinding(a *record.Asset, owner, path string, dropped, kept *record.Device) record.Finding {
	return record.Finding{Pos: record.Pos{File: path}, Rule: RuleDuplicate, Severity: record.SevMedium, Record: a.ID, Owner: owner,
		Message:  fmt.Sprintf("%s has more than one facts document: %s was audited, %s (older) was not", a.ID, kept.Source, dropped.Source),
		Hint:     "two devices may share a serial or hostname; keep one facts document per device",
		Evidence: evidence(dropped)}
}

func describe(f *record.Facts) string {
	var parts []string
	if f.Identity.Serial != "" {
		parts = append(parts, "serial "+f.Identity.Serial)
	}
	if f.Identity.Hostname != "" {
		parts = append(parts, "hostname "+f.Identity.Hostname)
	}
	if f.Identity.Model != "" {
		parts = append(parts, "model "+f.Identity.Model)
	}
	if len(parts) == 0 {
		return "no serial or hostname"
	}
	return strings.Join(parts, ", ")
}

func evidence(d *record.Device) string {
	s := d.Facts.Collector.Name + " collector at " + d.Facts.CollectedAt
	if d.Facts.Collector.Source != "" {
		s += " from " + d.Facts.Collector.Source
	}
	if d.Source != "" {
		s += " (" + d.Source + ")"
	}
	return s
}

// inScope says whether an asset is expected to report facts.
func (r *run) inScope(a *record.Asset) bool {
	return (a.Status == "deployed" || a.Status == "loaned") && r.managed[a.Class]
}

// missing reports the in-scope assets not seen, or not seen recently.
func (r *run) missing(pairs []pair, scope []*record.Record) (map[*record.Asset]bool, []record.Finding) {
	miss := map[*record.Asset]bool{}
	if r.opts.Partial {
		return miss, nil
	}
	seen := make(map[*record.Asset]time.Time, len(pairs))
	for i := range pairs { // by index: workers write the pairs' status meanwhile
		seen[pairs[i].asset] = pairs[i].at
	}
	var out []record.Finding
	days := int(r.opts.MissingAfter.Hours() / 24)
	for _, rec := range scope {
		a := rec.Asset
		at, ok := seen[a]
		switch {
		case !ok:
			miss[a] = true
			out = append(out, record.Finding{Pos: record.Pos{File: rec.Path}, Rule: RuleMissing, Severity: record.SevMedium,
				Record: a.ID, Owner: r.e.Accountable(a), Field: "status",
				Message:  fmt.Sprintf("%s is %s but no collector has seen it", a.ID, a.Status),
				Hint:     "find the device and collect its facts, or change its status (lost, in-repair, ...) in a change request",
				Expected: fmt.Sprintf("facts newer than %d days", days), Observed: "no facts"})
		case r.opts.Now.Sub(at) > r.opts.MissingAfter:
			miss[a] = true
			out = append(out, record.Finding{Pos: record.Pos{File: rec.Path}, Rule: RuleMissing, Severity: record.SevMedium,
				Record: a.ID, Owner: r.e.Accountable(a), Field: "status",
				Message: fmt.Sprintf("%s is %s but was last seen %d days ago (%s)", a.ID, a.Status,
					int(r.opts.Now.Sub(at).Hours()/24), at.UTC().Format("2006-01-02")),
				Hint:     "find the device and collect its facts, or change its status in a change request",
				Expected: fmt.Sprintf("facts newer than %d days", days), Observed: "last seen " + at.UTC().Format(time.RFC3339)})
		}
	}
	return miss, out
}

// sortFindings orders findings by file, rule and control, stably. It
// sorts indices, not the findings: a finding is large to move.
func sortFindings(fs []record.Finding) {
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := &fs[idx[i]], &fs[idx[j]]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Control < b.Control
	})
	// Apply the order in place, a cycle at a time (position j takes
	// the finding at idx[j]): no second copy of a million findings.
	for i := range fs {
		if idx[i] < 0 {
			continue
		}
		tmp, j := fs[i], i
		for {
			k := int(idx[j])
			idx[j] = -1
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
