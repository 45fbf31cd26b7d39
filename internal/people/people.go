package people

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/store"
)

// Options say into which estate people are written.
type Options struct {
	Dir    string // the estate (default ".")
	Source string // entra, google or csv: written as each record's source
	DryRun bool   // plan and check; write nothing
	// From names what was read (a file, a directory), for the report.
	From string
}

// Problem is one person not written as read, or a field left out.
type Problem struct {
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	ID       string `json:"id,omitempty"`
	Severity string `json:"severity"` // error (not written) or warning
	Reason   string `json:"reason"`
}

// Plan is what is done with one person.
type Plan struct {
	ID     string `json:"id"`
	Action string `json:"action"` // create, update, unchanged, kept
	Path   string `json:"path"`
	data   []byte
	person *record.Person
	line   int
}

// Report is the outcome of writing people.
type Report struct {
	From      string    `json:"from"`
	Source    string    `json:"source"`
	DryRun    bool      `json:"dry_run"`
	Read      int       `json:"read"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Kept      int       `json:"kept"` // records of another source, not replaced
	Refused   int       `json:"refused"`
	Leavers   int       `json:"leavers"`
	Plan      []Plan    `json:"plan"`
	Problems  []Problem `json:"problems"`
}

// Input is one person as read, with where it was read (Line is 0 for an
// API).
type Input struct {
	Person record.Person
	Line   int
	// LocationName is a location named by name (Entra's officeLocation):
	// it is mapped to a location of the estate, or left out.
	LocationName string
}

// Write writes people into the estate at o.Dir. Rows that cannot be
// written are Problems; the error means nothing could be written (a bad
// estate: core.ErrUsage) or a write failed.
func Write(ctx context.Context, o Options, in []Input, problems []Problem) (*Report, error) {
	est, err := core.Open(ctx, core.Options{Dir: o.Dir, Checks: core.CheckNone, Cache: core.CacheRead})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	st, err := store.Open(ctx, store.Options{Dir: est.Root})
	if errors.Is(err, store.ErrEstate) {
		return nil, core.UsageError(err, "estate validate says more")
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	e := est.Estate
	rep := &Report{From: o.From, Source: o.Source, DryRun: o.DryRun, Read: len(in), Problems: problems}
	for _, p := range problems {
		if p.Severity == "error" && p.Line > 1 { // a row the reader could not make a person of
			rep.Read++
		}
	}
	prob := func(it Input, sev, why string) {
		rep.Problems = append(rep.Problems, Problem{Line: it.Line, ID: it.Person.ID, Severity: sev, Reason: why})
	}
	// Everyone read is a person a manager may be, as is everyone there.
	known := map[string]bool{}
	for id := range e.People {
		known[id] = true
	}
	for _, it := range in {
		known[strings.ToLower(it.Person.ID)] = true
	}
	locs := map[string]string{}
	for id, l := range e.Locations {
		locs[strings.ToLower(id)] = id
		if n := strings.ToLower(strings.TrimSpace(l.Name)); n != "" {
			if _, ok := locs[n]; !ok {
				locs[n] = id
			}
		}
	}
	seen := map[string]int{}
	for _, it := range in {
		p := it.Person
		p.APIVersion, p.Kind, p.Source = record.APIVersion, string(record.KindPerson), o.Source
		p.ID = strings.ToLower(strings.TrimSpace(p.ID))
		p.Manager = strings.ToLower(strings.TrimSpace(p.Manager))
		if p.ID == "" {
			prob(it, "error", "no email address: a person's id is their email")
			continue
		}
		if line, dup := seen[p.ID]; dup {
			prob(it, "error", fmt.Sprintf("%s is read twice (first at line %d): not written again", p.ID, line))
			continue
		}
		seen[p.ID] = it.Line
		if p.Manager != "" && !known[p.Manager] {
			prob(it, "warning", fmt.Sprintf("manager %s is not a person of the estate: left out", p.Manager))
			p.Manager = ""
		}
		if p.Manager == p.ID {
			p.Manager = ""
		}
		name := p.Location
		if name == "" {
			name = it.LocationName
		}
		p.Location = ""
		if name != "" {
			if id, ok := locs[strings.ToLower(strings.TrimSpace(name))]; ok {
				p.Location = id
			} else if it.LocationName == "" {
				prob(it, "warning", fmt.Sprintf("location %q is not a location of the estate: left out", name))
			}
		}
		if p.Status == record.PersonLeaver {
			rep.Leavers++
		}
		pl := Plan{ID: p.ID, Path: path.Join("inventory", "people", p.ID+".yaml"), Action: "create"}
		if old, ok := st.Taken(record.KindPerson, p.ID); ok {
			prev := e.People[p.ID]
			switch {
			case old != pl.Path || prev == nil:
				prob(it, "error", fmt.Sprintf("%s exists at %s and cannot be read, or differs in case: fix it first (estate validate says how)", p.ID, old))
				continue
			case prev.Source != o.Source:
				pl.Action = "kept"
				rep.Kept++
				rep.Plan = append(rep.Plan, pl)
				if prev.Source == "" {
					prob(it, "warning", fmt.Sprintf("%s was written by hand (no source): not replaced", p.ID))
				} else {
					prob(it, "warning", fmt.Sprintf("%s comes from %s: not replaced by %s", p.ID, prev.Source, o.Source))
				}
				continue
			}
			p.Notes = prev.Notes // a note a person added stays
			if p.GitHub == "" {
				p.GitHub = prev.GitHub
			}
			pl.Action = "update"
			if *prev == p {
				pl.Action = "unchanged"
			}
		}
		if pl.Action != "unchanged" {
			data, err := store.Render(&p)
			if err != nil {
				prob(it, "error", err.Error())
				continue
			}
			if _, errs := st.Check(pl.Path, data); len(errs) > 0 {
				reasons := make([]string, len(errs))
				for i, f := range errs {
					reasons[i] = store.Reason(f)
				}
				prob(it, "error", "not written, estate validate would refuse it: "+strings.Join(reasons, "; "))
				continue
			}
			pl.data = data
		}
		pl.person, pl.line = &p, it.Line
		switch pl.Action {
		case "create":
			rep.Created++
		case "update":
			rep.Updated++
		default:
			rep.Unchanged++
		}
		rep.Plan = append(rep.Plan, pl)
	}
	// A manager read in this batch whose own record was refused is no
	// person of the estate after all: left out, so that no record names
	// one that does not exist.
	written := map[string]bool{}
	for id := range e.People {
		written[id] = true
	}
	for _, pl := range rep.Plan {
		written[pl.ID] = true
	}
	for i := range rep.Plan {
		pl := &rep.Plan[i]
		if pl.person == nil || pl.person.Manager == "" || written[pl.person.Manager] {
			continue
		}
		it := Input{Person: *pl.person, Line: pl.line}
		prob(it, "warning", fmt.Sprintf("manager %s was not written: left out", pl.person.Manager))
		pl.person.Manager = ""
		data, err := store.Render(pl.person)
		if err != nil {
			return rep, err
		}
		if pl.Action == "unchanged" {
			pl.Action = "update"
			rep.Unchanged--
			rep.Updated++
		}
		pl.data = data
	}
	refused := map[string]bool{}
	for _, pr := range rep.Problems {
		if pr.Severity == "error" {
			refused[fmt.Sprint(pr.Line, pr.ID)] = true
		}
	}
	rep.Refused = len(refused)
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
	if rep.Plan == nil {
		rep.Plan = []Plan{}
	}
	if rep.Problems == nil {
		rep.Problems = []Problem{}
	}
	if o.DryRun {
		return rep, nil
	}
	for _, pl := range rep.Plan {
		if pl.data == nil {
			continue
		}
		mode := store.Create
		if pl.Action == "update" {
			mode = store.Replace
		}
		if err := st.Write(pl.Path, pl.data, mode); err != nil {
			return rep, err
		}
	}
	if err := st.Close(); err != nil {
		return rep, fmt.Errorf("sync the records: %w", err)
	}
	return rep, nil
}
