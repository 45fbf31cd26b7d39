package history

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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
	o, oerr := parse(oldDoc)
	n, nerr := parse(newDoc)
	var out []FieldChange
	if oerr != nil || nerr != nil {
		if string(oldDoc) != string(newDoc) {
			out = append(out, FieldChange{Field: "(document)", Op: "changed", Old: errText(oerr), New: errText(nerr)})
		}
		return out
	}
	budget := maxNodes
	walk("", o, n, &out, &budget)
	if budget < 0 {
		// An alias bomb or a huge document: compare it whole.
		return []FieldChange{{Field: "(document)", Op: "changed", Old: "(too large to compare field by field)", New: "(too large to compare field by field)"}}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "(does not parse: " + err.Error() + ")"
}

func parse(doc []byte) (*yaml.Node, error) {
	if doc == nil {
		return nil, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, err
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0], nil
	}
	if n.Kind == 0 {
		return nil, nil
	}
	return &n, nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// maxNodes bounds the nodes one diff visits (aliases expand as they are
// followed, so a small hostile document could otherwise take forever).
const maxNodes = 200_000

func walk(path string, o, n *yaml.Node, out *[]FieldChange, budget *int) {
	if *budget--; *budget < 0 {
		return
	}
	for o != nil && o.Kind == yaml.AliasNode {
		o = o.Alias
	}
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case o == nil && n == nil:
		return
	case (o == nil || o.Kind == yaml.MappingNode) && (n == nil || n.Kind == yaml.MappingNode):
		om, nm := pairs(o), pairs(n)
		for k, ov := range om {
			walk(join(path, k), ov, nm[k], out, budget)
		}
		for k, nv := range nm {
			if _, ok := om[k]; !ok {
				walk(join(path, k), nil, nv, out, budget)
			}
		}
		return
	case (o == nil || o.Kind == yaml.SequenceNode) && (n == nil || n.Kind == yaml.SequenceNode):
		oc, nc := content(o), content(n)
		for i := 0; i < max(len(oc), len(nc)); i++ {
			var ov, nv *yaml.Node
			if i < len(oc) {
				ov = oc[i]
			}
			if i < len(nc) {
				nv = nc[i]
			}
			walk(join(path, strconv.Itoa(i)), ov, nv, out, budget)
		}
		return
	}
	ot, nt := text(o), text(n)
	if ot == nt && (o == nil) == (n == nil) {
		return
	}
	name := path
	if name == "" {
		name = "(document)"
	}
	fc := FieldChange{Field: name, Old: ot, New: nt, Op: "changed"}
	if o == nil {
		fc.Op = "added"
	} else if n == nil {
		fc.Op = "removed"
	}
	*out = append(*out, fc)
}

func content(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return n.Content
}

func pairs(m *yaml.Node) map[string]*yaml.Node {
	if m == nil {
		return nil
	}
	out := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out[m.Content[i].Value] = m.Content[i+1]
	}
	return out
}

// text renders a node compactly: a scalar as written, a collection as
// flow YAML on one line.
func text(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	c := *n
	c.Style = yaml.FlowStyle
	b, err := yaml.Marshal(&c)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimSpace(string(b))
}

// Fields returns the field paths of changes.
func Fields(chs []FieldChange) []string {
	out := make([]string, len(chs))
	for i, c := range chs {
		out[i] = c.Field
	}
	return out
}
