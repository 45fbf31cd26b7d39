package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/go-version"

	"github.com/estate-dev/estate/internal/match"
	"github.com/estate-dev/estate/internal/record"
)

// worker evaluates a share of the devices with caches of its own, so
// workers share nothing but the read-only run.
type worker struct {
	r        *run
	findings [][]record.Finding // blocks of findingBlock (add)
	counts   [][7]int           // per control: pass, fail, exempt, unknown, bad
	versions map[string]*version.Version
	badVer   map[string]error
	checked  map[verKey]bool
	pkgs     [][]string // per package name the controls read: installed versions
	sim      map[[2]string]bool
}

type verKey struct {
	ctl int
	v   string
}

// versionCheck says whether s satisfies c's constraint; results are
// cached per (control, version string), since estates repeat versions.
func (w *worker) versionCheck(c *control, s string) (bool, error) {
	if ok, hit := w.checked[verKey{c.idx, s}]; hit {
		return ok, nil
	}
	v, ok := w.versions[s]
	if !ok {
		if err, bad := w.badVer[s]; bad {
			return false, err
		}
		var err error
		v, err = ParseVersion(s)
		if err != nil {
			if w.badVer == nil {
				w.badVer = map[string]error{}
			}
			w.badVer[s] = err
			return false, err
		}
		w.versions[s] = v
	}
	res := c.cons.Check(v)
	w.checked[verKey{c.idx, s}] = res
	return res, nil
}

// add keeps f, in blocks of findingBlock: a worker's findings are never
// copied to grow (the run joins the blocks once, in order).
func (w *worker) add(f record.Finding) {
	if n := len(w.findings); n == 0 || len(w.findings[n-1]) == findingBlock {
		w.findings = append(w.findings, make([]record.Finding, 0, findingBlock))
	}
	b := &w.findings[len(w.findings)-1]
	*b = append(*b, f)
}

const findingBlock = 2048

// device runs the physical checks and the baseline's controls on p.
func (w *worker) device(p *pair) {
	w.physical(p)
	w.leaverUsers(p)
	a := p.asset
	if a.Baseline == "" {
		return
	}
	ctls, ok := w.r.byBase[a.Baseline]
	if !ok {
		if w.r.e.Baselines[a.Baseline] == nil {
			w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleBaseline, Severity: record.SevMedium,
				Record: a.ID, Field: "baseline", Owner: w.r.e.Accountable(a),
				Message: fmt.Sprintf("%s names baseline %q, which does not exist: no control was checked", a.ID, a.Baseline),
				Hint:    "name a baseline under policies/baselines/"})
		}
		p.status = unverified
		return
	}
	w.osCheck(p)
	f := p.dev.Facts
	w.indexPackages(f)
	status := compliant
	for _, c := range ctls {
		if c.problem != "" {
			continue
		}
		if ex := exemption(a, c.ctl.ID); ex != nil && ex.Expires >= w.r.today {
			w.counts[c.idx][exempt]++
			continue
		}
		v := w.evaluate(c, p)
		if v.out == fail && w.r.opts.Now.Before(c.effective) {
			w.counts[c.idx][upcoming]++
			w.add(w.upcomingFinding(c, p, v))
			continue
		}
		w.counts[c.idx][v.out]++
		if len(f.Conflicts) > 0 && c.get != nil && (v.out == pass || v.out == fail) {
			w.conflict(c, p, v)
		}
		switch v.out {
		case fail:
			status = nonCompliant
			f := w.controlFinding(c, p, v)
			if w.grace(c, a.ID, &f) {
				w.counts[c.idx][inGrace]++
			}
			w.add(f)
		case unknown, bad:
			if status == compliant {
				status = unverified
			}
			w.add(w.controlFinding(c, p, v))
		}
	}
	p.status = status
}

// grace sets the state, failing since, age and grace deadline of a
// failing control's finding, and says whether it is in grace. The grace
// runs from the first failure on or after the effective date.
func (w *worker) grace(c *control, asset string, f *record.Finding) bool {
	now := w.r.opts.Now
	since := now
	if w.r.opts.FailingSince != nil {
		if t, ok := w.r.opts.FailingSince(asset, c.ctl.ID); ok && t.Before(now) {
			since = t
		}
	}
	age := int(now.Sub(since).Hours() / 24)
	f.FailingSince, f.AgeDays = since.UTC().Format("2006-01-02"), &age
	if !c.effective.IsZero() {
		f.Effective = c.ctl.Effective
	}
	start := since
	if start.Before(c.effective) {
		start = c.effective
	}
	f.State = record.StateBreached
	if c.grace > 0 {
		until := start.Add(c.grace)
		f.GraceUntil = until.UTC().Format("2006-01-02")
		if now.Before(until) {
			f.State = record.StateInGrace
			f.Message += fmt.Sprintf(" (in grace until %s)", f.GraceUntil)
			return true
		}
	}
	return false
}

// upcomingFinding is a failure of a control that takes effect later:
// information, so that the device is fixed before it counts.
func (w *worker) upcomingFinding(c *control, p *pair, v verdict) record.Finding {
	f := w.controlFinding(c, p, v)
	f.Rule, f.Severity, f.State, f.Effective = RuleUpcoming, record.SevInfo, record.StateUpcoming, c.ctl.Effective
	f.Message += "; fails from " + c.ctl.Effective
	f.Hint = "fix the device before " + c.ctl.Effective + ", when the control takes effect"
	if c.grace > 0 {
		f.GraceUntil = c.effective.Add(c.grace).Format("2006-01-02")
		f.Hint += " (its grace then ends on " + f.GraceUntil + ")"
	}
	return f
}

// roundAge writes an age in days, or hours under two days.
func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

func exemption(a *record.Asset, control string) *record.Exemption {
	for i := range a.Exemptions {
		if a.Exemptions[i].Control == control {
			return &a.Exemptions[i]
		}
	}
	return nil
}

// indexPackages records, for each package name the controls read, the
// versions installed on the device; nil packages mean unknown.
func (w *worker) indexPackages(f *record.Facts) {
	if len(w.r.pkgNames) == 0 {
		return
	}
	if w.pkgs == nil {
		w.pkgs = make([][]string, len(w.r.pkgNames))
	}
	for i := range w.pkgs {
		w.pkgs[i] = w.pkgs[i][:0]
	}
	for i := range f.Packages {
		name := f.Packages[i].Name
		if !w.r.pkgLens[min(len(name), 255)] {
			continue
		}
		idx, ok := w.r.pkgIdx[name]
		if !ok {
			idx, ok = w.r.pkgIdx[strings.ToLower(name)]
		}
		if ok {
			w.pkgs[idx] = append(w.pkgs[idx], f.Packages[i].Version)
		}
	}
}

// evaluate judges one control on one device.
func (w *worker) evaluate(c *control, p *pair) verdict {
	f := p.dev.Facts
	if c.maxAge > 0 {
		if p.at.IsZero() {
			return verdict{out: bad, observed: f.CollectedAt, why: fmt.Sprintf("collected_at %q is not a time", f.CollectedAt)}
		}
		if age := w.r.opts.Now.Sub(p.at); age > c.maxAge {
			return verdict{out: fail, observed: fmt.Sprintf("%s (%s old)", f.CollectedAt, roundAge(age))}
		}
	}
	if c.get != nil {
		v := c.get(f)
		if v.k == kNone {
			return verdict{out: unknown, observed: "unknown"}
		}
		return c.judge(v, w)
	}
	if c.pkg < 0 {
		return verdict{out: pass}
	}
	if f.Packages == nil {
		return verdict{out: unknown, observed: "package list not collected"}
	}
	installed := w.pkgs[c.pkg]
	if len(installed) == 0 {
		if c.present {
			return verdict{out: fail, observed: "not installed"}
		}
		return verdict{out: pass, observed: "not installed"}
	}
	if c.absent {
		return verdict{out: fail, observed: "installed (" + strings.Join(installed, ", ") + ")"}
	}
	if c.equals == nil && c.oneOf == nil && c.cons == nil && c.re == nil && c.min == nil && c.max == nil {
		return verdict{out: pass, observed: "installed"}
	}
	// Every installed copy must pass (e.g. two architectures of one package).
	var last verdict
	for _, ver := range installed {
		if ver == "" {
			return verdict{out: unknown, observed: "installed, version unknown"}
		}
		last = c.judge(val{k: kString, s: ver}, w)
		if last.out != pass {
			return last
		}
	}
	return last
}

func (w *worker) controlFinding(c *control, p *pair, v verdict) record.Finding {
	a := p.asset
	owner := w.r.e.Accountable(a)
	if owner == "" {
		owner = c.baseline.Owner
	}
	what := c.ctl.Check.Fact
	if what == "" {
		what = "package " + c.ctl.Check.Package
	}
	f := record.Finding{Pos: record.Pos{File: p.path}, Severity: c.sev, Record: a.ID, Field: "baseline", Owner: owner,
		Control: c.ctl.ID, Expected: c.expected, Observed: v.observed, Evidence: p.evidence()}
	switch v.out {
	case fail:
		f.Rule = RuleControl
		f.Message = fmt.Sprintf("%s fails %s (%s): %s is %s, expected %s", a.ID, c.ctl.ID, c.ctl.Title, what, v.observed, c.expected)
		if id := w.r.knownError(c.ctl.ID, p); id != "" {
			f.Problem = id
			f.Message += " (known error " + id + ")"
		}
		f.Hint = "fix the device, or grant a time-limited exemption in the asset record through a change request"
		if ex := exemption(a, c.ctl.ID); ex != nil {
			f.Message += fmt.Sprintf(" (its exemption expired on %s)", ex.Expires)
			f.Hint = "fix the device, or renew the exemption through a change request"
		}
	case unknown:
		f.Rule = RuleUnverified
		f.Severity = min(c.sev, record.SevLow)
		f.Message = fmt.Sprintf("%s: %s (%s) could not be verified: %s was not collected", a.ID, c.ctl.ID, c.ctl.Title, what)
		f.Hint = "collect this fact (e.g. with osquery or the MDM export) to evidence the control"
	case bad:
		f.Rule = RuleBadFact
		f.Severity = min(c.sev, record.SevMedium)
		f.Message = fmt.Sprintf("%s: %s (%s) could not be judged: %s", a.ID, c.ctl.ID, c.ctl.Title, v.why)
		f.Hint = "the collector reported a value estate cannot read; check the device's facts"
	}
	return f
}

// osCheck reports a device whose OS is not the one its baseline applies to.
func (w *worker) osCheck(p *pair) {
	b := w.r.e.Baselines[p.asset.Baseline]
	f := p.dev.Facts
	if b == nil || b.AppliesTo == nil || b.AppliesTo.OS == "" || f.OS == nil || f.OS.Family == "" {
		return
	}
	if !strings.EqualFold(b.AppliesTo.OS, f.OS.Family) {
		a := p.asset
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleOS, Severity: record.SevHigh, Record: a.ID, Field: "baseline",
			Owner:    w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s runs %s but its baseline %s applies to %s", a.ID, f.OS.Family, b.Name, b.AppliesTo.OS),
			Hint:     "give the asset the baseline of its operating system",
			Expected: b.AppliesTo.OS, Observed: f.OS.Family, Evidence: p.evidence()})
	}
}

// physical compares what the device says it is with the inventory.
func (w *worker) physical(p *pair) {
	a, f := p.asset, p.dev.Facts
	ev := p.evidence()
	if sev, gone := goneStatuses[a.Status]; gone {
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleStatus, Severity: sev, Record: a.ID, Field: "status", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s is recorded as %s but was seen at %s", a.ID, a.Status, f.CollectedAt),
			Hint:     "find out who has it; if it is back in use, change its status in a change request",
			Expected: "not seen (" + a.Status + ")", Observed: "seen: " + describe(f), Evidence: ev})
	}
	if s := match.Serial(f.Identity.Serial); p.byHost && s != "" && match.Serial(a.Serial) != "" && s != match.Serial(a.Serial) {
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleSerial, Severity: record.SevHigh, Record: a.ID, Field: "serial", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s (hostname %s) reports serial %s, but the inventory says %s", a.ID, f.Identity.Hostname, f.Identity.Serial, a.Serial),
			Hint:     "the device was swapped or the record is wrong: correct the record in a change request",
			Expected: a.Serial, Observed: f.Identity.Serial, Evidence: ev})
	}
	if h := match.Host(f.Identity.Hostname); !p.byHost && h != "" && a.Hostname != "" && h != match.Host(a.Hostname) {
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleHostname, Severity: record.SevLow, Record: a.ID, Field: "hostname", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s (serial %s) is named %s, but the inventory says %s", a.ID, a.Serial, f.Identity.Hostname, a.Hostname),
			Hint:     "rename the device, or correct the record",
			Expected: a.Hostname, Observed: f.Identity.Hostname, Evidence: ev})
	}
	if a.Model != "" && isModelName(f.Identity.Model) && !w.similar(a.Model, f.Identity.Model) {
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleModel, Severity: record.SevLow, Record: a.ID, Field: "model", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s reports model %q, but the inventory says %q", a.ID, f.Identity.Model, a.Model),
			Hint:     "correct the record's model (or the device is not the one recorded)",
			Expected: a.Model, Observed: f.Identity.Model, Evidence: ev})
	}
	if a.Manufacturer != "" && f.Identity.Manufacturer != "" && !w.similar(a.Manufacturer, f.Identity.Manufacturer) {
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleModel, Severity: record.SevLow, Record: a.ID, Field: "manufacturer", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s reports manufacturer %q, but the inventory says %q", a.ID, f.Identity.Manufacturer, a.Manufacturer),
			Hint:     "correct the record's manufacturer (or the device is not the one recorded)",
			Expected: a.Manufacturer, Observed: f.Identity.Manufacturer, Evidence: ev})
	}
	if a.Owner != "" && !ownerSeen(a.Owner, f.Users) {
		var names []string
		for _, u := range f.Users {
			if u.LoggedIn && isPerson(u) {
				names = append(names, u.Name)
			}
		}
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleOwner, Severity: record.SevMedium, Record: a.ID, Field: "owner", Owner: w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s is assigned to %s, but the users logged in are %s", a.ID, a.Owner, strings.Join(names, ", ")),
			Hint:     "reassign the asset in a change request if it changed hands",
			Expected: a.Owner, Observed: strings.Join(names, ", "), Evidence: ev})
	}
}

// isModelName says whether a reported model is a product name that can be
// compared with the inventory's ("PowerEdge R650xs", "Latitude 7440"),
// rather than a machine identifier that cannot without the vendor's
// catalogue ("Mac15,6", "iPhone16,1", Lenovo's "21HD003AUK").
func isModelName(m string) bool {
	return strings.ContainsRune(strings.TrimSpace(m), ' ')
}

// similar is similar, cached: an estate has few models.
func (w *worker) similar(a, b string) bool {
	if a == b {
		return true
	}
	k := [2]string{a, b}
	v, ok := w.sim[k]
	if !ok {
		v = similar(a, b)
		if w.sim == nil {
			w.sim = map[[2]string]bool{}
		}
		w.sim[k] = v
	}
	return v
}

// similar compares model or manufacturer names loosely: case, spaces and
// punctuation aside, one contains the other ("Apple" ~ "Apple Inc.").
func similar(a, b string) bool {
	na, nb := alnum(a), alnum(b)
	return na == "" || nb == "" || strings.Contains(na, nb) || strings.Contains(nb, na)
}

func alnum(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(unicode.ToLower(r))
		}
	}
	return sb.String()
}

// isPerson says whether a user account is a person's, not a system's.
func isPerson(u record.User) bool {
	switch strings.ToLower(u.Name) {
	case "root", "admin", "administrator", "system", "_mbsetupuser", "defaultaccount", "guest":
		return false
	}
	return u.UID == nil || *u.UID >= 500
}

// ownerSeen reports whether the owner is among the logged-in users, or
// whether no person is logged in (nothing to compare with). An owner
// jane.doe@example.org matches the accounts jane.doe, janedoe, jdoe and jane
// (case aside, and DOMAIN\ or @domain parts of the account aside).
func ownerSeen(owner string, users []record.User) bool {
	if strings.HasPrefix(owner, "@") { // a team owns it
		return true
	}
	local := owner
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	first, last := local, ""
	if i := strings.IndexAny(local, "._-"); i > 0 {
		first = local[:i]
		last = local[strings.LastIndexAny(local, "._-")+1:]
	}
	anyone := false
	for _, u := range users {
		if !u.LoggedIn || !isPerson(u) {
			continue
		}
		anyone = true
		n := u.Name
		if i := strings.LastIndexByte(n, '\\'); i >= 0 { // DOMAIN\user
			n = n[i+1:]
		}
		if i := strings.IndexByte(n, '@'); i >= 0 {
			n = n[:i]
		}
		if strings.EqualFold(n, local) || strings.EqualFold(n, first) || (last != "" &&
			(equalFoldConcat(n, first, last) || (len(first) > 0 && equalFoldConcat(n, first[:1], last)))) {
			return true
		}
	}
	return !anyone
}

// equalFoldConcat reports whether s equals a+b, case aside.
func equalFoldConcat(s, a, b string) bool {
	return len(s) == len(a)+len(b) && strings.EqualFold(s[:len(a)], a) && strings.EqualFold(s[len(a):], b)
}

// conflict reports a control whose verdict on the merged facts (the
// newest source's value) differs from its verdict on the value an older
// source reported within the missing-after window: a pass that an MDM
// says and osquery contradicts (or the other way) is worth a look.
// Sources older than the window are stale and not reported.
func (w *worker) conflict(c *control, p *pair, v verdict) {
	f := p.dev.Facts
	for _, cf := range f.Conflicts {
		if cf.Fact != c.ctl.Check.Fact || len(cf.Values) < 2 {
			continue
		}
		for _, cv := range cf.Values[1:] {
			at, err := time.Parse(time.RFC3339, cv.CollectedAt)
			if err != nil || w.r.opts.Now.Sub(at) > w.r.opts.MissingAfter {
				continue
			}
			other, ok := toVal(cv.Value)
			if !ok {
				continue
			}
			ov := c.judge(other, w)
			if ov.out != pass && ov.out != fail || ov.out == v.out {
				continue
			}
			a := p.asset
			word := map[outcome]string{pass: "passes", fail: "fails"}
			w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleConflict, Severity: min(c.sev, record.SevMedium),
				Record: a.ID, Field: "baseline", Owner: a.Owner, Control: c.ctl.ID, Expected: c.expected,
				Observed: fmt.Sprintf("%s from %s at %s; %s from %s at %s", v.observed, cf.Values[0].Collector, cf.Values[0].CollectedAt,
					ov.observed, cv.Collector, cv.CollectedAt),
				Message: fmt.Sprintf("%s %s %s on %s's %s = %s (newest), but %s on %s's %s (%s)", a.ID, word[v.out], c.ctl.ID,
					cf.Values[0].Collector, cf.Fact, v.observed, word[ov.out], cv.Collector, ov.observed, cv.CollectedAt),
				Hint:     "the sources disagree: find out which is right (an MDM's cached state, or an agent that stopped reporting)",
				Evidence: p.evidence()})
			return
		}
	}
}
