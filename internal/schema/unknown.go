package schema

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// unknownFields finds the fields the schema does not allow by walking the
// document once, asking the schema of each mapping whether it allows
// each key; the caller removes them from the value before CUE sees it. CUE reports them too, but at a
// cost that grows with the square of their number (it collects its
// errors in a list it searches for each new one): a record of 80,000
// unknown keys took minutes. What is left for CUE holds the other
// problems. A mapping whose schema is not one plain struct (a
// disjunction, say) is left to CUE.
func unknownFields(def cue.Value, root *yaml.Node, file string) []located {
	var out []located
	var walk func(n *yaml.Node, sv cue.Value, sels []string)
	walk = func(n *yaml.Node, sv cue.Value, sels []string) {
		if !sv.Exists() {
			return
		}
		switch n.Kind {
		case yaml.SequenceNode:
			elem := sv.LookupPath(cue.MakePath(cue.AnyIndex))
			for i, e := range n.Content {
				walk(e, elem, append(sels[:len(sels):len(sels)], strconv.Itoa(i)))
			}
		case yaml.MappingNode:
			if sv.IncompleteKind() != cue.StructKind {
				return
			}
			if op, _ := sv.Expr(); op == cue.OrOp {
				return
			}
			var allowed []string // listed when a key is unknown
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					continue
				}
				path := append(sels[:len(sels):len(sels)], k.Value)
				if sv.Allows(cue.Str(k.Value)) {
					walk(v, lookupField(sv, k.Value), path)
					continue
				}
				if allowed == nil {
					allowed = fieldNames(sv, nil)
				}
				f := record.Finding{Pos: record.Pos{File: file, Line: k.Line, Col: k.Column}, Rule: RuleSchema,
					Severity: record.SeverityError, Field: strings.Join(path, "."),
					Message: fmt.Sprintf("unknown field %q", k.Value)}
				switch s := load.Closest(k.Value, allowed); {
				case i >= 2 && dedented(sv, n.Content[i-2], n.Content[i-1], k):
					f.Hint = fmt.Sprintf("it is a field of %s: indent it under %q", n.Content[i-2].Value, n.Content[i-2].Value)
				case s != "":
					f.Hint = fmt.Sprintf("did you mean %q?", s)
				case len(allowed) > 0:
					f.Hint = "allowed here: " + strings.Join(allowed, ", ")
				}
				f.Message, f.Hint, f.Field = load.Redact(f.Message), load.Redact(f.Hint), load.Redact(f.Field)
				out = append(out, located{f: f, sels: path})
			}
		}
	}
	walk(root, def, nil)
	return out
}

// dedented reports whether key, unknown where it stands, would be a field
// of the mapping just before it (prevKey: prevVal), which ends on the
// line before: a line indented too little.
func dedented(sv cue.Value, prevKey, prevVal, key *yaml.Node) bool {
	if prevVal.Kind != yaml.MappingNode || prevVal.Style&yaml.FlowStyle != 0 || key.Column >= prevVal.Column {
		return false
	}
	inner := lookupField(sv, prevKey.Value)
	return inner.Exists() && inner.IncompleteKind() == cue.StructKind && inner.Allows(cue.Str(key.Value))
}

// lookupField is the schema of field name of sv, required or optional.
func lookupField(sv cue.Value, name string) cue.Value {
	next := sv.LookupPath(cue.MakePath(cue.Str(name)))
	if !next.Exists() {
		next = sv.LookupPath(cue.MakePath(cue.Str(name).Optional()))
	}
	return next
}
