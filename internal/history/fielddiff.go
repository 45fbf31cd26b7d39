package history

import (
	"bytes"
	"sort"
	"strconv"

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

// walk compares field oi of of with field ni of nf (-1: absent) at path.
func walk(path string, of []load.Field, oi int, nf []load.Field, ni int, out *[]FieldChange) {
	oHere, nHere := oi >= 0, ni >= 0
	var ok, nk load.FieldKind
	if oHere {
		ok = of[oi].Kind
	}
	if nHere {
		nk = nf[ni].Kind
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch {
	case !oHere && !nHere:
		return
	case (!oHere || ok == load.FieldMapping) && (!nHere || nk == load.FieldMapping):
		if !oHere || !nHere {
			// Added or removed whole: every field of the one side.
			fs, i := of, oi
			if nHere {
				fs, i = nf, ni
			}
			for c := i + 1; c < fs[i].End; c = fs[c].End {
				if oHere {
					walk(join(fs[c].Key), of, c, nf, -1, out)
				} else {
					walk(join(fs[c].Key), of, -1, nf, c, out)
				}
			}
			return
		}
		// Keys in the same order on both sides (a record edited in
		// place) pair up as they come; else by key.
		oc, nc := oi+1, ni+1
		for oc < of[oi].End && nc < nf[ni].End && of[oc].Key == nf[nc].Key {
			if !same(of, oc, nf, nc) {
				walk(join(of[oc].Key), of, oc, nf, nc, out)
			}
			oc, nc = of[oc].End, nf[nc].End
		}
		if oc == of[oi].End && nc == nf[ni].End {
			return
		}
		nkeys := map[string]int{}
		for c := nc; c < nf[ni].End; c = nf[c].End {
			nkeys[nf[c].Key] = c
		}
		okeys := map[string]bool{}
		for c := oc; c < of[oi].End; c = of[c].End {
			okeys[of[c].Key] = true
			m, found := nkeys[of[c].Key]
			if !found {
				m = -1
			}
			walk(join(of[c].Key), of, c, nf, m, out)
		}
		for c := nc; c < nf[ni].End; c = nf[c].End {
			if !okeys[nf[c].Key] {
				walk(join(nf[c].Key), of, -1, nf, c, out)
			}
		}
		return
	case (!oHere || ok == load.FieldSequence) && (!nHere || nk == load.FieldSequence):
		oc, nc := -1, -1
		if oHere && oi+1 < of[oi].End {
			oc = oi + 1
		}
		if nHere && ni+1 < nf[ni].End {
			nc = ni + 1
		}
		for i := 0; oc >= 0 || nc >= 0; i++ {
			walk(join(strconv.Itoa(i)), of, oc, nf, nc, out)
			if oc >= 0 {
				if oc = of[oc].End; oc >= of[oi].End {
					oc = -1
				}
			}
			if nc >= 0 {
				if nc = nf[nc].End; nc >= nf[ni].End {
					nc = -1
				}
			}
		}
		return
	}
	var ot, nt string
	if oHere {
		ot = of[oi].Text()
	}
	if nHere {
		nt = nf[ni].Text()
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

// same reports whether two scalar fields are written alike (then there
// is nothing to walk); collections are walked.
func same(of []load.Field, oi int, nf []load.Field, ni int) bool {
	return of[oi].Kind == load.FieldScalar && nf[ni].Kind == load.FieldScalar && of[oi].Text() == nf[ni].Text()
}

// Fields returns the field paths of changes.
func Fields(chs []FieldChange) []string {
	out := make([]string, len(chs))
	for i, c := range chs {
		out[i] = c.Field
	}
	return out
}
