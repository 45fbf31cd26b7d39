package history

import (
	"bytes"
	"sort"

	"github.com/estate-dev/estate/internal/load"
)

// FieldChange is one field that differs between two versions of a record.
type FieldChange struct {
	Field string `json:"field"`         // dotted path, e.g. exemptions.0.expires
	Old   string `json:"old,omitempty"` // as written in YAML; "" when added
	New   string `json:"new,omitempty"` // "" when removed
	// Op is added, removed or changed.
	Op string `json:"op"`
}

// FieldDiff compares two YAML documents (either may be nil: added or
// removed) field by field: mappings by key, sequences by index, scalars
// as written. Output is sorted by field path. A document that does not
// parse is compared as one opaque value named "(document)".
func FieldDiff(oldDoc, newDoc []byte) []FieldChange {
	return diffVersions(parseVersion(oldDoc), parseVersion(newDoc))
}

// version is one version of a record, parsed (by load.Parse, the
// plain-style parser with yaml.v3 behind it) and flattened once, so a
// history of n changes parses n documents, not 2n.
type version struct {
	data   []byte
	absent bool         // no file (nil data)
	fields []load.Field // from load.Flatten
	err    string       // why it does not parse; "" when it does
	huge   bool         // more than maxNodes fields
}

func parseVersion(doc []byte) *version {
	if doc == nil || len(bytes.TrimSpace(doc)) == 0 {
		return &version{data: doc, absent: true}
	}
	v := &version{data: doc}
	root, fs := load.Parse("", doc)
	if root == nil {
		msg := "the document is not a record"
		if len(fs) > 0 {
			msg = fs[0].Message
		}
		v.err = "(does not parse: " + msg + ")"
		return v
	}
	fields, ok := load.Flatten(root, maxNodes)
	v.fields, v.huge = fields, !ok
	return v
}

// diffVersions is FieldDiff of two parsed versions.
func diffVersions(o, n *version) []FieldChange {
	var out []FieldChange
	if o.err != "" || n.err != "" {
		if string(o.data) != string(n.data) {
			out = append(out, FieldChange{Field: "(document)", Op: "changed", Old: o.err, New: n.err})
		}
		return out
	}
	if o.huge || n.huge {
		// An alias bomb or a huge document: compare it whole.
		const whole = "(too large to compare field by field)"
		return []FieldChange{{Field: "(document)", Op: "changed", Old: whole, New: whole}}
	}
	oi, ni := -1, -1
	if len(o.fields) > 0 {
		oi = 0
	}
	if len(n.fields) > 0 {
		ni = 0
	}
	walk("", o.fields, oi, n.fields, ni, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// maxNodes bounds the fields one version flattens to (aliases expand as
// they are followed, so a small hostile document could otherwise take
// forever).
const maxNodes = 200_000

// walk compares field oi of os with field ni of ns (-1: absent) at path.
func walk(path string, os []load.Field, oi int, ns []load.Field, ni int, out *[]FieldChange) {
	kind := func(fs []load.Field, i int) (load.FieldKind, bool) {
		if i < 0 {
			return 0, false
		}
		return fs[i].Kind, true
	}
	ok, oHere := kind(os, oi)
	nk, nHere := kind(ns, ni)
	switch {
	case !oHere && !nHere:
		return
	case (!oHere || ok == load.FieldMapping) && (!nHere || nk == load.FieldMapping):
		oc, nc := children(os, oi), children(ns, ni)
		okeys := make(map[string]int, len(oc))
		for _, c := range oc {
			okeys[os[c].Key] = c
		}
		nkeys := make(map[string]int, len(nc))
		for _, c := range nc {
			nkeys[ns[c].Key] = c
		}
		for _, c := range oc {
			m, found := nkeys[os[c].Key]
			if !found {
				m = -1
			}
			walk(os[c].Path, os, c, ns, m, out)
		}
		for _, c := range nc {
			if _, found := okeys[ns[c].Key]; !found {
				walk(ns[c].Path, os, -1, ns, c, out)
			}
		}
		return
	case (!oHere || ok == load.FieldSequence) && (!nHere || nk == load.FieldSequence):
		oc, nc := children(os, oi), children(ns, ni)
		for i := 0; i < max(len(oc), len(nc)); i++ {
			oj, nj := -1, -1
			p := ""
			if i < len(oc) {
				oj, p = oc[i], os[oc[i]].Path
			}
			if i < len(nc) {
				nj, p = nc[i], ns[nc[i]].Path
			}
			walk(p, os, oj, ns, nj, out)
		}
		return
	}
	var ot, nt string
	if oHere {
		ot = os[oi].Text()
	}
	if nHere {
		nt = ns[ni].Text()
	}
	if ot == nt && oHere == nHere {
		return
	}
	name := path
	if name == "" {
		name = "(document)"
	}
	fc := FieldChange{Field: name, Old: ot, New: nt, Op: "changed"}
	if !oHere {
		fc.Op = "added"
	} else if !nHere {
		fc.Op = "removed"
	}
	*out = append(*out, fc)
}

// children returns the indexes of the direct descendants of fs[i].
func children(fs []load.Field, i int) []int {
	if i < 0 {
		return nil
	}
	var out []int
	for c := i + 1; c < fs[i].End; c = fs[c].End {
		out = append(out, c)
	}
	return out
}

// Fields returns the field paths of changes.
func Fields(chs []FieldChange) []string {
	out := make([]string, len(chs))
	for i, c := range chs {
		out[i] = c.Field
	}
	return out
}
