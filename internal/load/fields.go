package load

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// FieldKind is what a flattened field holds.
type FieldKind uint8

// The kinds of Field.
const (
	FieldScalar FieldKind = iota
	FieldMapping
	FieldSequence
)

// Field is one node of a document as Flatten lists it, in document
// order: a mapping's fields by key, a sequence's items by index, aliases
// followed. Descendants follow their field: those of fields[i] are
// fields[i+1 : fields[i].End].
type Field struct {
	Key  string // the key under its mapping, or the index under its sequence; "" for the root
	Kind FieldKind
	End  int // index in Flatten's result just past this field's descendants
	node *yaml.Node
}

// Text renders the field compactly: a scalar as written, a collection as
// flow YAML on one line.
func (f Field) Text() string {
	if f.node == nil {
		return ""
	}
	if f.node.Kind == yaml.ScalarNode {
		return f.node.Value
	}
	c := *f.node
	c.Style = yaml.FlowStyle
	b, err := yaml.Marshal(&c)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimSpace(string(b))
}

// Flatten lists root (from Parse) and every node under it as fields, for
// comparing two versions of a record field by field. A mapping key given
// twice keeps its last value. ok is false when the document expands to
// more than maxNodes fields (an alias bomb, or a huge document).
func Flatten(root *yaml.Node, maxNodes int) (fields []Field, ok bool) {
	if root == nil {
		return nil, true
	}
	f := flattener{budget: maxNodes, out: make([]Field, 0, 64)}
	f.add("", root)
	if f.budget < 0 {
		return nil, false
	}
	return f.out, true
}

type flattener struct {
	out    []Field
	budget int
}

func (f *flattener) add(key string, n *yaml.Node) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if f.budget--; f.budget < 0 {
		return
	}
	i := len(f.out)
	f.out = append(f.out, Field{Key: key, node: n})
	switch n.Kind {
	case yaml.MappingNode:
		f.out[i].Kind = FieldMapping
		var last map[string]int // for a large mapping; a small one is scanned
		if len(n.Content) > 64 {
			last = make(map[string]int, len(n.Content)/2)
			for j := 0; j+1 < len(n.Content); j += 2 {
				last[n.Content[j].Value] = j
			}
		}
		for j := 0; j+1 < len(n.Content) && f.budget >= 0; j += 2 {
			k := n.Content[j].Value
			if (last != nil && last[k] != j) || (last == nil && repeated(n.Content[j+2:], k)) {
				continue // a key given twice keeps its last value
			}
			f.add(k, n.Content[j+1])
		}
	case yaml.SequenceNode:
		f.out[i].Kind = FieldSequence
		for j, c := range n.Content {
			if f.budget < 0 {
				break
			}
			f.add(index(j), c)
		}
	}
	f.out[i].End = len(f.out)
}

// repeated reports whether key is a key of the mapping content rest.
func repeated(rest []*yaml.Node, key string) bool {
	for j := 0; j < len(rest); j += 2 {
		if rest[j].Value == key {
			return true
		}
	}
	return false
}

var indexes = func() (out [64]string) {
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func index(i int) string {
	if i < len(indexes) {
		return indexes[i]
	}
	return strconv.Itoa(i)
}
