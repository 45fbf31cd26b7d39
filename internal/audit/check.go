package audit

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/estate-dev/estate/internal/record"
)

// kind is the type of a fact's value.
type kind uint8

const (
	kNone kind = iota // unknown: the collector could not read it
	kString
	kBool
	kNum
)

// val is a fact's value without boxing it in an interface.
type val struct {
	k kind
	s string
	b bool
	n float64
}

func (v val) String() string {
	switch v.k {
	case kString:
		return v.s
	case kBool:
		return strconv.FormatBool(v.b)
	case kNum:
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	}
	return "unknown"
}

func strVal(s string) val {
	if s == "" {
		return val{}
	}
	return val{k: kString, s: s}
}

func boolVal(b *bool) val {
	if b == nil {
		return val{}
	}
	return val{k: kBool, b: *b}
}

// facts maps the fact paths a check may name to how to read them. A path
// not listed here is a mistake in the baseline, reported once.
var facts = map[string]func(*record.Facts) val{
	"identity.serial":       func(f *record.Facts) val { return strVal(f.Identity.Serial) },
	"identity.hostname":     func(f *record.Facts) val { return strVal(f.Identity.Hostname) },
	"identity.model":        func(f *record.Facts) val { return strVal(f.Identity.Model) },
	"identity.manufacturer": func(f *record.Facts) val { return strVal(f.Identity.Manufacturer) },
	"identity.uuid":         func(f *record.Facts) val { return strVal(f.Identity.UUID) },
	"os.family":             func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Family }) },
	"os.name":               func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Name }) },
	"os.version":            func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Version }) },
	"os.build":              func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Build }) },
	"os.kernel":             func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Kernel }) },
	"os.arch":               func(f *record.Facts) val { return osField(f, func(o *record.OSFacts) string { return o.Arch }) },
	"security.disk_encryption": func(f *record.Facts) val {
		return secField(f, func(s *record.Security) *bool { return s.DiskEncryption })
	},
	"security.firewall":     func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.Firewall }) },
	"security.auto_updates": func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.AutoUpdates }) },
	"security.secure_boot":  func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.SecureBoot }) },
	"security.gatekeeper":   func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.Gatekeeper }) },
	"security.sip":          func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.SIP }) },
	"security.compliant":    func(f *record.Facts) val { return secField(f, func(s *record.Security) *bool { return s.Compliant }) },
	"security.screen_lock_seconds": func(f *record.Facts) val {
		if f.Security == nil || f.Security.ScreenLockSeconds == nil {
			return val{}
		}
		return val{k: kNum, n: float64(*f.Security.ScreenLockSeconds)}
	},
	"collector.name": func(f *record.Facts) val { return strVal(f.Collector.Name) },
	"collected_at":   func(f *record.Facts) val { return strVal(f.CollectedAt) },
}

// FactPaths lists the fact paths a check may read, sorted.
func FactPaths() []string {
	out := make([]string, 0, len(facts))
	for k := range facts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func osField(f *record.Facts, get func(*record.OSFacts) string) val {
	if f.OS == nil {
		return val{}
	}
	return strVal(get(f.OS))
}

func secField(f *record.Facts, get func(*record.Security) *bool) val {
	if f.Security == nil {
		return val{}
	}
	return boolVal(get(f.Security))
}

// control is a baseline control made ready to evaluate: its operators
// parsed once, not once per device.
type control struct {
	idx      int // index into the run's counters
	baseline *record.Baseline
	ctl      record.Control
	sev      record.Severity
	get      func(*record.Facts) val // for a fact check
	pkg      int                     // for a package check: index into run.pkgNames; -1 otherwise
	equals   *val
	oneOf    []val
	cons     version.Constraints
	min, max *float64
	re       *regexp.Regexp
	present  bool
	absent   bool
	maxAge   time.Duration
	// effective is the day the control takes effect (zero: always);
	// grace how long a failure is tolerated from its first day.
	effective time.Time
	grace     time.Duration
	expected  string
	problem   string // why the control cannot be evaluated
}

func toVal(x any) (val, bool) {
	switch x := x.(type) {
	case bool:
		return val{k: kBool, b: x}, true
	case string:
		return val{k: kString, s: x}, true
	case int:
		return val{k: kNum, n: float64(x)}, true
	case int64:
		return val{k: kNum, n: float64(x)}, true
	case float64:
		return val{k: kNum, n: x}, true
	}
	return val{}, false
}

// compile prepares c; pkgIndex gives a package name's index.
func compile(b *record.Baseline, c record.Control, pkgIndex func(string) int) *control {
	cc := &control{baseline: b, ctl: c, pkg: -1}
	sev, err := record.ParseSeverity(c.Severity)
	if err != nil {
		sev = record.SevMedium
	}
	cc.sev = sev
	if c.Effective != "" {
		t, err := time.Parse("2006-01-02", c.Effective)
		if err != nil {
			cc.problem = fmt.Sprintf("effective %q is not a date (YYYY-MM-DD)", c.Effective)
		}
		cc.effective = t
	}
	if g, err := record.ParseGrace(c.Grace); err != nil {
		cc.problem = err.Error()
	} else {
		cc.grace = g
	}
	ck := c.Check
	var exp []string
	switch {
	case ck.Fact != "" && ck.Package != "":
		cc.problem = "a check reads exactly one of fact or package"
	case ck.Fact != "":
		cc.get = facts[ck.Fact]
		if cc.get == nil {
			cc.problem = fmt.Sprintf("fact %q is not one estate collects (known facts: %s)", ck.Fact, strings.Join(FactPaths(), ", "))
		}
	case ck.Package != "":
		cc.pkg = pkgIndex(ck.Package)
	default:
		cc.problem = "a check reads exactly one of fact or package"
	}
	if ck.Equals != nil {
		v, ok := toVal(ck.Equals)
		if !ok {
			cc.problem = fmt.Sprintf("equals %v is not a bool, number or string", ck.Equals)
		}
		cc.equals = &v
		exp = append(exp, "equals "+v.String())
	}
	if ck.OneOf != nil {
		var names []string
		for _, x := range ck.OneOf {
			v, ok := toVal(x)
			if !ok {
				cc.problem = fmt.Sprintf("one_of value %v is not a bool, number or string", x)
			}
			cc.oneOf = append(cc.oneOf, v)
			names = append(names, v.String())
		}
		exp = append(exp, "one of "+strings.Join(names, ", "))
	}
	if ck.Version != "" {
		cons, err := version.NewConstraint(ck.Version)
		if err != nil {
			cc.problem = fmt.Sprintf("version constraint %q does not parse: %v", ck.Version, err)
		}
		cc.cons = cons
		exp = append(exp, "version "+ck.Version)
	}
	if ck.Min != nil {
		cc.min = ck.Min
		exp = append(exp, ">= "+strconv.FormatFloat(*ck.Min, 'f', -1, 64))
	}
	if ck.Max != nil {
		cc.max = ck.Max
		exp = append(exp, "<= "+strconv.FormatFloat(*ck.Max, 'f', -1, 64))
	}
	if ck.Matches != "" {
		re, err := regexp.Compile(ck.Matches)
		if err != nil {
			cc.problem = fmt.Sprintf("matches %q is not a regular expression: %v", ck.Matches, err)
		}
		cc.re = re
		exp = append(exp, "matches "+ck.Matches)
	}
	if ck.Present {
		cc.present = true
		exp = append(exp, "installed")
	}
	if ck.Absent {
		cc.absent = true
		exp = append(exp, "not installed")
	}
	if (ck.Present || ck.Absent) && ck.Package == "" {
		cc.problem = "present and absent apply to packages"
	}
	if ck.MaxAge != "" {
		d, err := time.ParseDuration(ck.MaxAge)
		if err != nil {
			cc.problem = fmt.Sprintf("max_age %q is not a duration", ck.MaxAge)
		}
		cc.maxAge = d
		exp = append(exp, "facts at most "+ck.MaxAge+" old")
	}
	if len(exp) == 0 && cc.problem == "" {
		cc.problem = "a check needs an operator (equals, one_of, version, min, max, matches, present, absent or max_age)"
	}
	cc.expected = strings.Join(exp, " and ")
	return cc
}

// outcome of one control on one device.
type outcome uint8

const (
	pass outcome = iota
	fail
	exempt
	unknown // the fact was not collected
	bad     // the fact was collected but cannot be judged (e.g. not a version)
	// Counters only, not outcomes: fails split by effective date and grace.
	upcoming // a fail before the control's effective date
	inGrace  // a fail (counted in fail too) within its grace
)

// verdict is an outcome with what was observed and, for bad, why.
type verdict struct {
	out      outcome
	observed string
	why      string
}

// judge applies the control's value operators to v.
func (c *control) judge(v val, w *worker) verdict {
	if c.equals != nil && !equal(v, *c.equals) {
		return verdict{out: fail, observed: v.String()}
	}
	if c.oneOf != nil {
		ok := false
		for _, o := range c.oneOf {
			if equal(v, o) {
				ok = true
				break
			}
		}
		if !ok {
			return verdict{out: fail, observed: v.String()}
		}
	}
	if c.cons != nil {
		s := v.String()
		ok, err := w.versionCheck(c, s)
		if err != nil {
			return verdict{out: bad, observed: s, why: err.Error()}
		}
		if !ok {
			return verdict{out: fail, observed: s}
		}
	}
	if c.min != nil || c.max != nil {
		n := v.n
		if v.k != kNum {
			f, err := strconv.ParseFloat(strings.TrimSpace(v.String()), 64)
			if err != nil {
				return verdict{out: bad, observed: v.String(), why: fmt.Sprintf("%q is not a number", v.String())}
			}
			n = f
		}
		if (c.min != nil && n < *c.min) || (c.max != nil && n > *c.max) {
			return verdict{out: fail, observed: v.String()}
		}
	}
	if c.re != nil && !c.re.MatchString(v.String()) {
		return verdict{out: fail, observed: v.String()}
	}
	return verdict{out: pass, observed: v.String()}
}

func equal(a, b val) bool {
	if a.k == b.k {
		switch a.k {
		case kString:
			return strings.EqualFold(a.s, b.s)
		case kBool:
			return a.b == b.b
		case kNum:
			return a.n == b.n
		}
		return false
	}
	// A string fact compared with a number or bool: compare as written.
	return strings.EqualFold(a.String(), b.String())
}
