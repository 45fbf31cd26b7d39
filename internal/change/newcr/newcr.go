package newcr

import (
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
	"github.com/estate-dev/estate/internal/store"
)

// Options say what to write.
type Options struct {
	// Dir is the working tree the request is written into.
	Dir string
	// Repo, when set, is the repository (default: the one holding Dir): a
	// new id must be free on every
	// branch it knows (NamesOnBranches), not only in Dir.
	Repo *gitrepo.Repo
	// Plan is the branch's change plan.
	Plan *change.Plan
	// ID, Title, Type, Risk and Reason override the defaults (empty: the
	// next free id, a placeholder, the plan's type, the computed risk, a
	// placeholder).
	ID, Title, Type, Risk, Reason string
	// Now is the date whose year a CR-YYYY-NNNN id takes.
	Now time.Time
	// Remote names the remote whose ReservationsRef the id is reserved
	// on ("" = none: the id is checked against this clone's branches
	// only). Transport moves the ref (default: GitRemote of the
	// repository).
	Remote    string
	Transport Remote
}

// Result is the request written.
type Result struct {
	Path    string
	ID      string
	Type    string
	Risk    string
	Records int
	// Reserved says the id was reserved on Remote's ReservationsRef;
	// Warning, when not, says why it was checked locally only.
	Reserved bool
	Warning  string
}

// WriteText says on out what was written, and on warn why the id was
// checked in this clone only, when it was.
func (r *Result) WriteText(out, warn io.Writer) {
	if r.Warning != "" {
		fmt.Fprintf(warn, "estate: warning: %s\n", r.Warning)
	}
	fmt.Fprintf(out, "wrote %s (%s change, risk %s, %d record(s)); fill in the title, reason and backout, then commit it\n", r.Path, r.Type, r.Risk, r.Records)
}

// Run writes the change request for o.Plan. The error matches
// core.ErrUsage when the request was at fault (the branch has a request
// or changes no record, --id does not fit the estate or is taken).
func Run(ctx context.Context, o Options) (*Result, error) {
	p := o.Plan
	if p.Request != nil {
		return nil, core.UsageError(fmt.Errorf("the branch already has change request %s (%s)", p.Request.ID, p.RequestPath), "edit that file instead")
	}
	var ids []string
	for _, rc := range p.Records {
		if rc.Kind != record.KindChangeRequest && rc.ID != "" {
			ids = append(ids, rc.ID)
		}
	}
	if len(ids) == 0 {
		return nil, core.UsageError(errors.New("the branch changes no record"), "commit the record changes first, then run estate change new")
	}
	sort.Strings(ids)
	if o.Dir == "" {
		return nil, errors.New("write change request: the repository has no working tree")
	}
	st, err := store.Open(ctx, store.Options{Dir: o.Dir})
	if errors.Is(err, store.ErrEstate) {
		return nil, core.UsageError(err, "estate validate says more")
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	repo := o.Repo
	if repo == nil {
		// The ids of every branch count: open the repository the
		// working tree belongs to (none: only the working tree's).
		if r, err := gitrepo.Open(o.Dir); err == nil {
			defer r.Close()
			repo = r
		}
	}
	used, err := usedIDs(st, repo)
	if err != nil {
		return nil, err
	}
	id, reserved, warning, err := chooseID(ctx, o, st, repo, used)
	if err != nil {
		return nil, err
	}
	cr := &record.ChangeRequest{APIVersion: record.APIVersion, Kind: string(record.KindChangeRequest), ID: id,
		Title: cmpOr(o.Title, "TODO: say what the change does"), Type: cmpOr(o.Type, p.Type),
		Reason: cmpOr(o.Reason, "TODO: say why the change is needed"), Risk: cmpOr(o.Risk, p.ComputedRisk),
		Backout: "Revert this pull request.", Records: ids}
	if cr.Type == "standard" && p.Standard != nil {
		cr.Template = p.Standard.ID
	}
	if cr.Type == "emergency" {
		cr.ReviewDue = p.ReviewDue
	}
	name := path.Join("changes", id+".yaml")
	if _, err := st.Put(name, cr, store.Create); err != nil {
		var exists *store.ExistsError
		var refused *store.RefusedError
		switch {
		case errors.As(err, &exists):
			return nil, core.UsageError(fmt.Errorf("%s exists; estate never overwrites a change request", name), "pick another --id")
		case errors.As(err, &refused):
			return nil, core.UsageError(err, "fix the flags named above")
		}
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, fmt.Errorf("sync %s: %w", name, err)
	}
	return &Result{Path: name, ID: id, Type: cr.Type, Risk: cr.Risk, Records: len(ids), Reserved: reserved, Warning: warning}, nil
}

// chooseID is the request's id: o.ID or the next free one, reserved on
// o.Remote's ReservationsRef when the repository has that remote and it
// answers; else checked against this clone's branches and the
// reservations it last fetched only (warning says so).
func chooseID(ctx context.Context, o Options, st *store.Store, repo *gitrepo.Repo, used map[string]bool) (id string, reserved bool, warning string, err error) {
	var me Reservation
	var sig gitrepo.Signature
	if repo != nil {
		me, sig = whoAmI(ctx, repo, o.Now)
	}
	choose := func(taken map[string]Reservation) (string, bool, error) {
		if o.ID != "" {
			if err := checkID(st, o.ID, used, o.Now.Year()); err != nil {
				return "", false, err
			}
			r, ok := taken[strings.ToLower(o.ID)]
			switch {
			case !ok:
				return o.ID, false, nil
			case r.owner() == me.owner():
				return o.ID, true, nil
			}
			return "", false, core.UsageError(fmt.Errorf("--id %s is reserved for branch %s by %s (%s)", o.ID, r.Branch, r.Author, ReservationsRef),
				"pick another --id, or leave it out for the next free one")
		}
		all := make(map[string]bool, len(used)+len(taken))
		for u := range used {
			all[u] = true
		}
		for t := range taken {
			all[t] = true
		}
		id, err := NextID(st.IDs(), all, o.Now)
		if err != nil {
			return "", false, core.UsageError(err, "pass --id")
		}
		return id, false, nil
	}
	local := func(why string) (string, bool, string, error) {
		taken := map[string]Reservation{}
		if repo != nil {
			if _, t, err := readReservations(repo); err == nil {
				taken = t
			}
		}
		id, _, err := choose(taken)
		return id, false, fmt.Sprintf("%s; %s is checked only against the branches and reservations this clone knows, and another clone may pick it too", why, id), err
	}
	switch {
	case repo == nil:
		return local("not in a git repository")
	case o.Remote == "":
		return local("no remote to reserve the id on")
	case !repo.HasRemote(o.Remote):
		return local(fmt.Sprintf("the repository has no remote %q to reserve the id on", o.Remote))
	}
	tr := o.Transport
	if tr == nil {
		tr = GitRemote{Repo: repo}
	}
	rs := reserver{repo: repo, remote: o.Remote, tr: tr, me: me, sig: sig, wait: retryWait}
	id, err = rs.reserve(ctx, choose)
	if off := (*errOffline)(nil); errors.As(err, &off) {
		return local(off.err.Error())
	}
	return id, err == nil, "", err
}

// retryWait is the pause before attempt+1: growing, with jitter so that
// two clones that raced do not race again in step.
var retryWait = func(attempt int) time.Duration {
	return time.Duration(attempt*50+mrand.IntN(100)) * time.Millisecond
}

// checkID refuses an --id that does not fit the estate's pattern, or that
// another change request has (on this branch or another).
func checkID(st *store.Store, id string, used map[string]bool, year int) error {
	if why := st.IDs().Check(record.KindChangeRequest, id); why != "" {
		hint := "change request ids look like " + example(st.IDs(), year)
		return core.UsageError(fmt.Errorf("--id %q is not a change request id of this estate: %s", id, why), hint)
	}
	if p, ok := st.Taken(record.KindChangeRequest, id); ok {
		if p == path.Join("changes", id+".yaml") {
			return core.UsageError(fmt.Errorf("%s exists; estate never overwrites a change request", p), "pick another --id")
		}
		return core.UsageError(fmt.Errorf("--id %s differs only in case from the change request at %s", id, p), "pick another --id")
	}
	if used[strings.ToLower(id)] {
		return core.UsageError(fmt.Errorf("--id %s is taken by a change request on another branch", id), "pick another --id, or leave it out for the next free one")
	}
	return nil
}

// usedIDs are the change request ids (lower case) of the working tree and
// of every branch of repo.
func usedIDs(st *store.Store, repo *gitrepo.Repo) (map[string]bool, error) {
	used := map[string]bool{}
	for _, id := range st.IDsOf(record.KindChangeRequest) {
		used[strings.ToLower(id)] = true
	}
	if repo == nil {
		return used, nil
	}
	names, err := repo.NamesOnBranches("changes")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if ext := path.Ext(n); ext == ".yaml" || ext == ".yml" {
			used[strings.ToLower(strings.TrimSuffix(n, ext))] = true
		}
	}
	return used, nil
}

// form is a way of numbering change requests: prefix, then (when year)
// the year and a hyphen, then a number of at least width digits.
type form struct {
	prefix string
	year   bool
	width  int
}

func (f form) id(year, n int) string {
	s := f.prefix
	if f.year {
		s += strconv.Itoa(year) + "-"
	}
	num := strconv.Itoa(n)
	if len(num) < f.width {
		num = strings.Repeat("0", f.width-len(num)) + num
	}
	return s + num
}

// formOf picks the numbering that fits the estate's ids.change: the
// default CR-YYYY-NNNN when it sets none, else the pattern's literal
// prefix (CR- when it has none) with the year or without, and the width
// of number the pattern takes.
func formOf(ids rules.IDPatterns, year int) (form, bool) {
	re := ids.Pattern(record.KindChangeRequest)
	if re == nil {
		return form{prefix: "CR-", year: true, width: 4}, true
	}
	prefix := literalPrefix(re)
	if prefix == "" {
		prefix = "CR-"
	}
	for _, y := range []bool{true, false} {
		for _, w := range []int{4, 5, 6, 3, 2, 1, 7, 8} {
			f := form{prefix: prefix, year: y, width: w}
			if ids.Check(record.KindChangeRequest, f.id(year, 1)) == "" {
				return f, true
			}
		}
	}
	return form{}, false
}

func literalPrefix(re *regexp.Regexp) string {
	s := strings.TrimPrefix(re.String(), "^")
	if r, err := regexp.Compile("^" + s); err == nil {
		p, _ := r.LiteralPrefix()
		return p
	}
	return ""
}

// NextID is the id estate change new gives a new change request: in the
// form the estate's ids.change takes (CR-YYYY-NNNN by default; CR-NNNN
// for ^CR-[0-9]{4}$), numbered one past the highest of that form in used
// (lower-case ids: the working tree's, every branch's and, when Run
// reserves on a remote, the reserved ones), so that two branches never
// pick the same id once either is pushed, fetched or reserved.
func NextID(ids rules.IDPatterns, used map[string]bool, now time.Time) (string, error) {
	year := now.Year()
	f, ok := formOf(ids, year)
	if !ok {
		return "", fmt.Errorf("estate.yaml's ids.change %s is not a numbered form estate change new can follow", ids.Pattern(record.KindChangeRequest))
	}
	head := strings.ToLower(f.id(year, 0))
	head = head[:len(head)-f.width]
	max := 0
	for u := range used {
		if rest, ok := strings.CutPrefix(u, head); ok {
			if n, err := strconv.Atoi(rest); err == nil && n > max {
				max = n
			}
		}
	}
	id := f.id(year, max+1)
	if why := ids.Check(record.KindChangeRequest, id); why != "" {
		return "", fmt.Errorf("no free change request id left in the form %s: %s", f.id(year, 1), why)
	}
	return id, nil
}

// example is an id of the estate's form, for hints.
func example(ids rules.IDPatterns, year int) string {
	if f, ok := formOf(ids, year); ok {
		return f.id(year, 42)
	}
	return ids.Pattern(record.KindChangeRequest).String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
