package record

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// APIVersion is the apiVersion every record carries.
const APIVersion = "estate/v1"

// Kind is a record's kind, as written in its kind field.
type Kind string

// The kinds of record.
const (
	KindAsset         Kind = "Asset"
	KindLicence       Kind = "Licence"
	KindLocation      Kind = "Location"
	KindPerson        Kind = "Person"
	KindBaseline      Kind = "Baseline"
	KindChangePolicy  Kind = "ChangePolicy"
	KindChangeRequest Kind = "ChangeRequest"
	KindSettings      Kind = "Settings"
	KindFacts         Kind = "Facts"
	KindProblem       Kind = "Problem"
)

// Kinds lists the kinds that live in an estate repository.
var Kinds = []Kind{KindAsset, KindLicence, KindLocation, KindPerson, KindBaseline, KindChangePolicy, KindChangeRequest, KindSettings, KindProblem}

// Known reports whether k is a kind of record estate knows.
func (k Kind) Known() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return k == KindFacts
}

// Record is one loaded record: its kind, id, where it came from, and its
// typed value. Exactly one of the typed pointers is set, by Kind.
type Record struct {
	Kind Kind
	ID   string // the id (or name, for a baseline)
	Path string // slash-separated path relative to the repository root
	Blob string // git blob id of the file's bytes, hex

	Asset         *Asset         `json:",omitempty"`
	Licence       *Licence       `json:",omitempty"`
	Location      *Location      `json:",omitempty"`
	Person        *Person        `json:",omitempty"`
	Baseline      *Baseline      `json:",omitempty"`
	ChangePolicy  *ChangePolicy  `json:",omitempty"`
	ChangeRequest *ChangeRequest `json:",omitempty"`
	Settings      *Settings      `json:",omitempty"`
	Problem       *Problem       `json:",omitempty"`

	// Placed are where, in the record's file, the fields of PlacedFields
	// are (as load.PosOf places a finding on a field; zero: not known),
	// kept with the record, and in the validation cache, so that the
	// audit's findings on those fields are placed without reading and
	// parsing the file again.
	Placed [len(PlacedFields)]LineCol `json:"-"`
}

// PlacedFields are the fields of an asset the audit's findings name.
var PlacedFields = [...]string{"baseline", "hostname", "manufacturer", "model", "owner", "serial", "status"}

// LineCol is a line and column (1-based; zero: not known).
type LineCol struct{ Line, Col int32 }

// PosOf is where field is in r's file when r holds it (PlacedFields).
func (r *Record) PosOf(field string) (Pos, bool) {
	for i, f := range PlacedFields {
		if f == field && r.Placed[i].Line > 0 {
			return Pos{File: r.Path, Line: int(r.Placed[i].Line), Col: int(r.Placed[i].Col)}, true
		}
	}
	return Pos{}, false
}

// Value returns the typed value of r (e.g. *Asset), or nil.
func (r *Record) Value() any {
	switch r.Kind {
	case KindAsset:
		return r.Asset
	case KindLicence:
		return r.Licence
	case KindLocation:
		return r.Location
	case KindPerson:
		return r.Person
	case KindBaseline:
		return r.Baseline
	case KindChangePolicy:
		return r.ChangePolicy
	case KindChangeRequest:
		return r.ChangeRequest
	case KindSettings:
		return r.Settings
	case KindProblem:
		return r.Problem
	}
	return nil
}

// NewTyped returns a pointer to a new zero value of the Go type of kind k,
// for decoding, or nil for an unknown kind.
func NewTyped(k Kind) any {
	switch k {
	case KindAsset:
		return new(Asset)
	case KindLicence:
		return new(Licence)
	case KindLocation:
		return new(Location)
	case KindPerson:
		return new(Person)
	case KindBaseline:
		return new(Baseline)
	case KindChangePolicy:
		return new(ChangePolicy)
	case KindChangeRequest:
		return new(ChangeRequest)
	case KindSettings:
		return new(Settings)
	case KindFacts:
		return new(Facts)
	case KindProblem:
		return new(Problem)
	}
	return nil
}

// Set stores v, a pointer made by NewTyped, as r's typed value and sets r.ID.
func (r *Record) Set(v any) error {
	switch v := v.(type) {
	case *Asset:
		r.Asset, r.ID = v, v.ID
	case *Licence:
		r.Licence, r.ID = v, v.ID
	case *Location:
		r.Location, r.ID = v, v.ID
	case *Person:
		r.Person, r.ID = v, v.ID
	case *Baseline:
		r.Baseline, r.ID = v, v.Name
	case *ChangePolicy:
		r.ChangePolicy, r.ID = v, "change-control"
	case *ChangeRequest:
		r.ChangeRequest, r.ID = v, v.ID
	case *Settings:
		r.Settings, r.ID = v, "estate"
	case *Problem:
		r.Problem, r.ID = v, v.ID
	default:
		return fmt.Errorf("record: cannot hold a %T", v)
	}
	return nil
}

// Estate is every record of one revision of an estate repository, indexed.
type Estate struct {
	Settings  *Settings
	Policy    *ChangePolicy
	Assets    map[string]*Asset
	Licences  map[string]*Licence
	Locations map[string]*Location
	// People are the Person records, by id (an email in lower case).
	People    map[string]*Person
	Baselines map[string]*Baseline
	Changes   map[string]*ChangeRequest
	Problems  map[string]*Problem
	// Records holds every record in path order.
	Records []*Record
}

// NewEstate indexes records. Later records with an id already seen do not
// replace earlier ones (the duplicate-id rule reports them).
func NewEstate(recs []*Record) *Estate {
	assets := 0
	for _, r := range recs {
		if r.Kind == KindAsset {
			assets++
		}
	}
	e := &Estate{
		Assets:    make(map[string]*Asset, assets),
		Licences:  map[string]*Licence{},
		Locations: map[string]*Location{},
		People:    map[string]*Person{},
		Baselines: map[string]*Baseline{},
		Changes:   map[string]*ChangeRequest{},
		Problems:  map[string]*Problem{},
	}
	sorted := append([]*Record(nil), recs...)
	byPath := func(a, b *Record) int { return strings.Compare(a.Path, b.Path) }
	if !slices.IsSortedFunc(sorted, byPath) {
		slices.SortFunc(sorted, byPath)
	}
	e.Records = sorted
	for _, r := range sorted {
		switch r.Kind {
		case KindAsset:
			if _, ok := e.Assets[r.ID]; !ok {
				e.Assets[r.ID] = r.Asset
			}
		case KindLicence:
			if _, ok := e.Licences[r.ID]; !ok {
				e.Licences[r.ID] = r.Licence
			}
		case KindLocation:
			if _, ok := e.Locations[r.ID]; !ok {
				e.Locations[r.ID] = r.Location
			}
		case KindPerson:
			if _, ok := e.People[r.ID]; !ok {
				e.People[r.ID] = r.Person
			}
		case KindBaseline:
			if _, ok := e.Baselines[r.ID]; !ok {
				e.Baselines[r.ID] = r.Baseline
			}
		case KindChangeRequest:
			if _, ok := e.Changes[r.ID]; !ok {
				e.Changes[r.ID] = r.ChangeRequest
			}
		case KindProblem:
			if _, ok := e.Problems[r.ID]; !ok {
				e.Problems[r.ID] = r.Problem
			}
		case KindChangePolicy:
			e.Policy = r.ChangePolicy
		case KindSettings:
			e.Settings = r.Settings
		}
	}
	return e
}

// SortedAssets returns the assets ordered by id.
func (e *Estate) SortedAssets() []*Asset {
	out := make([]*Asset, 0, len(e.Assets))
	for _, a := range e.Assets {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
