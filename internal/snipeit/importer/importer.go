package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/snipeit"
	"github.com/estate-dev/estate/internal/store"
)

// Options say what to import into which estate.
type Options struct {
	// Dir is the estate's directory (default ".").
	Dir string
	// File is the CSV to read; "-" reads Stdin.
	File  string
	Stdin io.Reader
	// MapFile, when set, is a YAML mapping file (snipeit.LoadMapping).
	MapFile string
	// Currency, DateOrder, EmailDomain and DefaultOwner override the
	// mapping file's (empty: keep).
	Currency, DateOrder, EmailDomain, DefaultOwner string
	// DryRun plans and checks, and writes nothing.
	DryRun bool
	// Update replaces assets that exist (with the row's values over the
	// record's); without it an existing asset is never overwritten.
	Update bool
	// Workers write assets at once (default 2: file creation is the cost).
	Workers int
	// BeforeWrite, when set, is called before each file is written; an
	// error stops the import there, as a crash would (tests).
	BeforeWrite func(path string) error
}

// Plan is what an import does with one record.
type Plan struct {
	Row    int    `json:"row,omitempty"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Action string `json:"action"` // create, update, unchanged
	Path   string `json:"path"`
	data   []byte
}

// Report is the outcome of an import.
type Report struct {
	File         string            `json:"file"`
	DryRun       bool              `json:"dry_run"`
	Rows         int               `json:"rows"`
	Created      int               `json:"created"`
	Updated      int               `json:"updated"`
	Unchanged    int               `json:"unchanged"`
	Refused      int               `json:"refused"`
	Warnings     int               `json:"warnings"`
	NewLocations int               `json:"new_locations"`
	Unused       []string          `json:"unused_columns"`
	Plan         []Plan            `json:"plan"`
	Problems     []snipeit.Problem `json:"problems"`
}

// Run imports o.File into the estate at o.Dir. Rows that cannot be
// imported are Problems in the Report, not errors. The error means the
// import could not run: errors.Is(err, core.ErrUsage) for a bad option,
// a file that is not a Snipe-IT asset CSV, a bad mapping file or an
// estate that cannot be written into (exit 2); otherwise a failure
// (exit 3), with what was written before it still in place.
func Run(ctx context.Context, o Options) (*Report, error) {
	m, err := mapping(o)
	if err != nil {
		return nil, err
	}
	var data []byte
	if o.File == "-" {
		data, err = io.ReadAll(o.Stdin)
	} else {
		data, err = os.ReadFile(o.File)
	}
	if err != nil {
		return nil, core.UsageError(fmt.Errorf("read %s: %w", o.File, err), "")
	}
	res, err := snipeit.Read(data, m)
	if err != nil {
		return nil, core.UsageError(fmt.Errorf("%s:1: %w", o.File, err),
			"export assets from Snipe-IT (or use its import template): the header row names the columns")
	}
	// The estate is found as every command finds it (a run from
	// inventory/ imports into the estate, not into inventory/inventory/),
	// and written through the one writer at its root.
	est, err := core.Open(ctx, core.Options{Dir: o.Dir, Checks: core.CheckNone, Cache: core.CacheRead})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	st, err := store.Open(ctx, store.Options{Dir: est.Root, BeforeWrite: o.BeforeWrite})
	if errors.Is(err, store.ErrEstate) {
		return nil, core.UsageError(err, "estate validate says more")
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()

	p := &planner{o: o, st: st, est: est.Estate, rep: &Report{File: o.File, DryRun: o.DryRun, Rows: res.Rows, Unused: res.Unused},
		problems: res.Problems, locs: map[string]string{}, newLoc: map[string]string{}, planned: map[string]string{}}
	p.indexLocations()
	for _, it := range res.Items {
		p.item(it)
	}
	p.finish()
	if !o.DryRun {
		if err := write(st, p.rep.Plan, o.Workers); err != nil {
			return p.rep, err
		}
		if err := st.Close(); err != nil {
			return p.rep, fmt.Errorf("sync the records: %w", err)
		}
	}
	return p.rep, nil
}

// mapping is the default mapping, the mapping file's, and the overrides.
func mapping(o Options) (snipeit.Mapping, error) {
	m := snipeit.DefaultMapping()
	if o.MapFile != "" {
		data, err := os.ReadFile(o.MapFile)
		if err != nil {
			return m, core.UsageError(fmt.Errorf("read mapping: %w", err), "pass a YAML mapping file to --map")
		}
		if m, err = snipeit.LoadMapping(o.MapFile, data); err != nil {
			return m, core.UsageError(err, "see estate import snipeit --help for the mapping file's keys")
		}
	}
	if o.Currency != "" {
		if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency {
			return m, core.UsageError(fmt.Errorf("--currency %q is not a three-letter code such as GBP", o.Currency), "")
		}
		m.Currency = o.Currency
	}
	if o.DateOrder != "" {
		if o.DateOrder != "mdy" && o.DateOrder != "dmy" {
			return m, core.UsageError(fmt.Errorf("--date-order %q is not one of mdy, dmy", o.DateOrder), "")
		}
		m.DateOrder = o.DateOrder
	}
	if o.EmailDomain != "" {
		m.EmailDomain = o.EmailDomain
	}
	if o.DefaultOwner != "" {
		if !strings.Contains(o.DefaultOwner, "@") {
			return m, core.UsageError(fmt.Errorf("--default-owner %q is not an email address", o.DefaultOwner), "")
		}
		m.DefaultOwner = o.DefaultOwner
	}
	return m, nil
}

// planner turns the rows into a plan against the estate.
type planner struct {
	o        Options
	st       *store.Store
	est      *record.Estate
	rep      *Report
	problems []snipeit.Problem
	locs     map[string]string // normalized name or id -> location id
	newLoc   map[string]string // new location id -> name
	locData  map[string][]byte // new location id -> its record
	planned  map[string]string // lower-case asset id -> path, of this import
}

func norm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func (p *planner) indexLocations() {
	p.locData = map[string][]byte{}
	ids := make([]string, 0, len(p.est.Locations))
	for id := range p.est.Locations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p.locs[strings.ToLower(id)] = id
	}
	for _, id := range ids {
		if n := p.est.Locations[id].Name; n != "" {
			if _, taken := p.locs[norm(n)]; !taken {
				p.locs[norm(n)] = id
			}
		}
	}
}

func (p *planner) problem(it snipeit.Item, col, sev, reason string) {
	p.problems = append(p.problems, snipeit.Problem{Row: it.Row, Line: it.Line, Column: col, Tag: it.Asset.ID, Severity: sev, Reason: reason})
}

// location maps a row's location name to a Location id: an existing one,
// or a new one whose record is checked now and planned only when the
// row's asset is accepted (commit). A name that makes no acceptable id is
// kept in the notes, with a warning.
func (p *planner) location(it snipeit.Item, a *record.Asset) (commit func()) {
	commit = func() {}
	if it.Location == "" {
		return
	}
	if id, ok := p.locs[norm(it.Location)]; ok {
		a.Location = id
		return
	}
	id := snipeit.LocationID(it.Location)
	ids := p.st.IDs()
	if re := ids.Pattern(record.KindLocation); re != nil && !re.MatchString(id) && re.MatchString(strings.ToUpper(id)) {
		id = strings.ToUpper(id)
	}
	keep := func(why string) {
		p.problem(it, "Location", snipeit.Warning, fmt.Sprintf("location %q %s; left out and kept in notes", it.Location, why))
		a.Notes = strings.TrimPrefix(a.Notes+"\nLocation: "+it.Location, "\n")
	}
	if id == "" {
		keep("makes no location id")
		return
	}
	if re := ids.Pattern(record.KindLocation); re != nil && !re.MatchString(id) {
		keep(fmt.Sprintf("makes id %s, which does not match estate.yaml ids.location", id))
		return
	}
	base := id
	for n := 2; p.locTaken(id); n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	lp := p.st.PathFor(record.KindLocation, "", id)
	data, err := store.Render(&record.Location{APIVersion: record.APIVersion, Kind: string(record.KindLocation), ID: id, Name: it.Location, Type: "site"})
	if err == nil {
		if _, errs := p.st.Check(lp, data); len(errs) > 0 {
			err = errors.New(store.Reason(errs[0]))
		}
	}
	if err != nil {
		keep(fmt.Sprintf("makes a location record estate would refuse (%v)", err))
		return
	}
	a.Location = id
	return func() {
		p.locs[norm(it.Location)], p.locs[strings.ToLower(id)] = id, id
		p.newLoc[id], p.locData[id] = it.Location, data
	}
}

func (p *planner) locTaken(id string) bool {
	if _, ok := p.locs[strings.ToLower(id)]; ok {
		return true
	}
	_, ok := p.st.Taken(record.KindLocation, id)
	return ok
}

// item plans one row.
func (p *planner) item(it snipeit.Item) {
	a := it.Asset
	ids := p.st.IDs()
	if why := ids.Check(record.KindAsset, a.ID); why != "" {
		if re := ids.Pattern(record.KindAsset); re != nil && !re.MatchString(a.ID) {
			why = fmt.Sprintf("id %s does not match estate.yaml ids.asset %q", a.ID, re.String())
		}
		p.problem(it, "Asset Tag", snipeit.Error, why)
		return
	}
	if a.Purchase != nil && *a.Purchase == (record.Purchase{}) {
		a.Purchase = nil
	}
	pl := Plan{Row: it.Row, ID: a.ID, Kind: string(record.KindAsset), Path: p.st.PathFor(record.KindAsset, a.Class, a.ID)}
	old, exists := p.st.Taken(record.KindAsset, a.ID)
	if prevPath, dup := p.planned[strings.ToLower(a.ID)]; dup {
		p.problem(it, "Asset Tag", snipeit.Error, fmt.Sprintf("asset tag %q differs only in case from one planned at %s", a.ID, prevPath))
		return
	}
	var prev *record.Asset
	if exists {
		prev = p.existing(old)
		if prev == nil {
			p.problem(it, "", snipeit.Error, fmt.Sprintf("%s exists at %s but cannot be read: fix it first (estate validate says how)", a.ID, old))
			return
		}
	}
	commit := p.location(it, a)
	next := a
	switch {
	case exists && p.o.Update:
		row := a
		if it.StatusDefaulted {
			c := *a
			c.Status = "" // the row did not say: keep the record's
			row = &c
		}
		next = snipeit.Merge(prev, row)
		if prev.Class != a.Class {
			p.problem(it, "Category", snipeit.Warning, fmt.Sprintf("the row says class %s, the record %s: the record keeps its class", a.Class, prev.Class))
		}
		pl.Path, pl.Action = old, "update"
		if reflect.DeepEqual(next, prev) {
			pl.Action = "unchanged"
		}
	case exists:
		if same(prev, a) {
			pl.Path, pl.Action = old, "unchanged" // written by an earlier run of this import
			break
		}
		p.problem(it, "Asset Tag", snipeit.Error, fmt.Sprintf("%s already exists at %s: not overwritten (pass --update to update it)", a.ID, old))
		return
	default:
		pl.Action = "create"
	}
	if pl.Action != "unchanged" {
		data, err := store.Render(next)
		if err == nil {
			if _, errs := p.st.Check(pl.Path, data); len(errs) > 0 {
				p.refused(it, pl.Path, errs)
				return
			}
		}
		if err != nil {
			p.problem(it, "", snipeit.Error, err.Error())
			return
		}
		pl.data = data
	}
	commit()
	switch pl.Action {
	case "create":
		p.rep.Created++
	case "update":
		p.rep.Updated++
	default:
		p.rep.Unchanged++
	}
	p.planned[strings.ToLower(a.ID)] = pl.Path
	p.rep.Plan = append(p.rep.Plan, pl)
}

// refused reports a row whose record estate validate would refuse, with
// every reason, each at its place in the record that was not written.
func (p *planner) refused(it snipeit.Item, file string, errs []record.Finding) {
	reasons := make([]string, len(errs))
	for i, f := range errs {
		reasons[i] = store.Reason(f)
	}
	p.problem(it, "", snipeit.Error, "not written, estate validate would refuse it: "+strings.Join(reasons, "; "))
}

// existing is the asset at path as the estate holds it (nil: unreadable).
func (p *planner) existing(path string) *record.Asset {
	for _, r := range p.est.Records {
		if r.Path == path && r.Asset != nil {
			return r.Asset
		}
	}
	return nil
}

// same reports whether the estate's asset is what the row makes.
func same(prev, a *record.Asset) bool {
	x, err1 := store.Render(prev)
	y, err2 := store.Render(a)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// finish puts the new locations first in the plan and counts.
func (p *planner) finish() {
	ids := make([]string, 0, len(p.newLoc))
	for id := range p.newLoc {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var locs []Plan
	for _, id := range ids {
		locs = append(locs, Plan{ID: id, Kind: string(record.KindLocation), Action: "create",
			Path: p.st.PathFor(record.KindLocation, "", id), data: p.locData[id]})
	}
	// The report lists assets in row order, then the new locations; they
	// are written the other way round (write).
	p.rep.Plan = append(p.rep.Plan, locs...)
	p.rep.NewLocations = len(ids)
	problems := p.problems
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	refused := map[int]bool{}
	for _, pr := range problems {
		if pr.Severity == snipeit.Error {
			refused[pr.Row] = true
		} else {
			p.rep.Warnings++
		}
	}
	p.rep.Refused = len(refused)
	p.rep.Problems = problems
	if p.rep.Plan == nil {
		p.rep.Plan = []Plan{}
	}
	if p.rep.Problems == nil {
		p.rep.Problems = []snipeit.Problem{}
	}
}

// write writes the plan: every new location first (an asset never names a
// location that is not written yet), then the assets on workers.
func write(st *store.Store, plan []Plan, workers int) error {
	if workers <= 0 {
		workers = 2
	}
	var assets []Plan
	for _, p := range plan {
		switch {
		case p.data == nil:
		case p.Kind == string(record.KindLocation):
			if err := st.Write(p.Path, p.data, store.Create); err != nil {
				return err
			}
		default:
			assets = append(assets, p)
		}
	}
	jobs := make(chan Plan)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				mode := store.Create
				if p.Action == "update" {
					mode = store.Replace
				}
				if err := st.Write(p.Path, p.data, mode); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range assets {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	return firstErr
}
