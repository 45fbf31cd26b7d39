package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

// Limits bound what one record file may cost to read.
type Limits struct {
	MaxFileBytes int64 // a larger file is refused unread
	MaxNodes     int   // nodes after alias expansion, per document
}

// DefaultLimits fit any hand-written record with room to spare.
var DefaultLimits = Limits{MaxFileBytes: 1 << 20, MaxNodes: 100_000}

// Rule names of the YAML layer.
const (
	RuleYAML    = "yaml"
	RuleSecret  = "secret"
	RuleFile    = "file"
	RuleLayout  = "layout"
	RuleUnknown = "kind"
)

// Parse reads one YAML document from data and returns its root node (the
// mapping or scalar under the document node). Every problem is a finding
// with a position in file; the node is nil when the document is unusable.
// The node's comment fields are not to be relied on: a record in the plain
// style is parsed by parsePlain, which drops comments.
func Parse(file string, data []byte) (*yaml.Node, []record.Finding) {
	if !utf8.Valid(data) {
		off := invalidUTF8(data)
		line, col := lineCol(data, off)
		return nil, []record.Finding{{Pos: record.Pos{File: file, Line: line, Col: col}, Rule: RuleYAML,
			Severity: record.SeverityError, Message: "the file is not valid UTF-8",
			Hint: "save the file as UTF-8"}}
	}
	if root, ok := parsePlain(data); ok {
		return root, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []record.Finding{{Pos: record.Pos{File: file, Line: 1, Col: 1}, Rule: RuleYAML,
				Severity: record.SeverityError, Message: "the file holds no YAML document",
				Hint: "an empty file is not a record: write the record or delete the file"}}
		}
		return nil, []record.Finding{syntaxFinding(file, data, err)}
	}
	// A second document is refused; an empty one (a trailing ---) holds
	// nothing and is let pass. Empty documents cost no memory, and the
	// file is bounded, so the loop is too.
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, []record.Finding{syntaxFinding(file, data, err)}
		}
		if emptyDocument(&extra) {
			continue
		}
		return nil, []record.Finding{{Pos: record.Pos{File: file, Line: extra.Line, Col: extra.Column}, Rule: RuleYAML,
			Severity: record.SeverityError, Message: "the file holds more than one YAML document",
			Hint: "put each record in a file of its own"}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, []record.Finding{{Pos: record.Pos{File: file, Line: 1, Col: 1}, Rule: RuleYAML,
			Severity: record.SeverityError, Message: "the file holds no YAML document"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []record.Finding{{Pos: record.Pos{File: file, Line: root.Line, Col: root.Column}, Rule: RuleYAML,
			Severity: record.SeverityError, Message: "a record must be a mapping of fields (key: value)"}}
	}
	return root, nil
}

// emptyDocument reports whether a document holds nothing: a --- followed
// by no content (comments at most).
func emptyDocument(d *yaml.Node) bool {
	if d.Kind != yaml.DocumentNode || len(d.Content) != 1 {
		return false
	}
	n := d.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0 && n.Anchor == ""
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxFinding turns a yaml.v3 error into a finding. yaml.v3 names the
// line of most syntax errors but not the column; an error it names no line
// for (control characters) is placed at the offending character.
func syntaxFinding(file string, data []byte, err error) record.Finding {
	f := record.Finding{Pos: record.Pos{File: file}, Rule: RuleYAML, Severity: record.SeverityError}
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		f.Pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	f.Message = "invalid YAML: " + msg
	if strings.Contains(msg, "incompatible YAML document") {
		f.Hint = "remove the %YAML directive: records are plain YAML documents"
	}
	if strings.Contains(msg, "control characters are not allowed") {
		if off := controlChar(data); off >= 0 {
			f.Pos.Line, f.Pos.Col = lineCol(data, off)
			f.Hint = "remove the invisible character (a control character pasted from another program?)"
		}
	}
	if f.Pos.Col == 0 {
		if line, col, hint := diagnose(data, msg, f.Pos.Line); line > 0 {
			f.Pos.Line, f.Pos.Col = line, col
			if f.Hint == "" {
				f.Hint = hint
			}
		}
	}
	if f.Pos.Line == 0 {
		f.Pos.Line, f.Pos.Col = 1, 1
	}
	return f
}

// controlChar returns the offset of the first character YAML does not
// allow in a document (YAML 1.2 c-printable), or -1.
func controlChar(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
		if !ok || (r == utf8.RuneError && n <= 1) {
			return i
		}
		i += n
	}
	return -1
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// lineCol turns a byte offset into a 1-based line and column (in runes),
// counting lines as YAML does (LF, CRLF or a lone CR ends a line) and not
// counting a byte order mark at the start as a column.
func lineCol(b []byte, off int) (int, int) {
	line, start := 1, 0
	if bytes.HasPrefix(b, []byte("\ufeff")) && off >= 3 {
		start = 3
	}
	for i := start; i < off; i++ {
		switch b[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
			line, start = line+1, i+1
		}
	}
	return line, 1 + utf8.RuneCount(b[start:off])
}

// Value converts a node into plain Go values for CUE: map[string]any,
// []any, string, int64, float64, bool and nil. Scalars keep the form they
// were written in: an unquoted 2023-05-02 stays the string "2023-05-02".
// Duplicate keys, custom tags, non-finite numbers and alias expansion past
// the limit are findings; the value is nil when there is any.
func Value(file string, n *yaml.Node, lim Limits) (any, []record.Finding) {
	c := converter{file: file, budget: lim.MaxNodes}
	if c.budget <= 0 {
		c.budget = DefaultLimits.MaxNodes
	}
	c.limit = c.budget
	v := c.value(n, 0)
	if len(c.findings) > 0 {
		return nil, c.findings
	}
	return v, nil
}

type converter struct {
	file   string
	budget int
	limit  int // the budget at the start
	// viaAlias counts the values reached through aliases: when they are
	// most of the document, it is an alias bomb, else merely too big.
	viaAlias int
	findings []record.Finding
	// alias is the outermost alias being expanded: where an alias bomb
	// is reported.
	alias *yaml.Node
}

func (c *converter) fail(n *yaml.Node, msg, hint string) {
	c.findings = append(c.findings, record.Finding{Pos: record.Pos{File: c.file, Line: n.Line, Col: n.Column},
		Rule: RuleYAML, Severity: record.SeverityError, Message: Redact(msg), Hint: hint})
}

func (c *converter) value(n *yaml.Node, depth int) any {
	c.budget--
	if c.alias != nil {
		c.viaAlias++
	}
	if c.budget < 0 {
		if c.budget == -1 {
			at := n
			if c.alias != nil && 2*c.viaAlias > c.limit {
				at = c.alias
			}
			if c.alias != nil && 2*c.viaAlias > c.limit {
				c.fail(at, "aliases expand the document to more than "+strconv.Itoa(c.limit)+" values (an alias bomb)", "write the values out instead of repeating aliases")
			} else {
				c.fail(at, "the document holds more than "+strconv.Itoa(c.limit)+" values: far more than a record has", "a record is a few dozen fields; split the file or remove what does not belong")
			}
		}
		return nil
	}
	if depth > 100 {
		c.fail(n, "the document is nested too deeply", "")
		c.budget = -2
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		if c.alias != nil {
			return c.value(n.Alias, depth+1)
		}
		c.alias = n
		v := c.value(n.Alias, depth+1)
		c.alias = nil
		return v
	case yaml.MappingNode:
		if n.Tag != "" && n.Tag != "!!map" {
			c.fail(n, fmt.Sprintf("YAML tag %s is not allowed in records", n.Tag), "remove the tag")
			return nil
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				c.fail(k, "merge keys (<<) are not supported in records", "write the fields out")
				continue
			}
			if k.Kind != yaml.ScalarNode {
				c.fail(k, "a key must be a plain name", "")
				continue
			}
			if k.Style&yaml.TaggedStyle != 0 && k.ShortTag() != "!!str" {
				c.fail(k, fmt.Sprintf("YAML tag %s is not allowed in records", k.Tag), "remove the tag")
				continue
			}
			if _, dup := m[k.Value]; dup {
				c.fail(k, fmt.Sprintf("duplicate key %q", k.Value), "each field may appear once; remove one of them")
				continue
			}
			m[k.Value] = c.value(v, depth+1)
		}
		return m
	case yaml.SequenceNode:
		if n.Tag != "" && n.Tag != "!!seq" {
			c.fail(n, fmt.Sprintf("YAML tag %s is not allowed in records", n.Tag), "remove the tag")
			return nil
		}
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			s = append(s, c.value(e, depth+1))
		}
		return s
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	c.fail(n, "unexpected YAML node", "")
	return nil
}

func (c *converter) scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			var v bool
			if n.Decode(&v) == nil {
				return v
			}
			c.fail(n, fmt.Sprintf("%q is not a boolean", n.Value), "")
		}
		return b
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			c.fail(n, fmt.Sprintf("%q is not a whole number that fits in 64 bits", n.Value), "quote it if it is text")
			return nil
		}
		return v
	case "!!float":
		var v float64
		if err := n.Decode(&v); err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			c.fail(n, fmt.Sprintf("%q is not a finite number", n.Value), "quote it if it is text")
			return nil
		}
		return v
	}
	c.fail(n, fmt.Sprintf("YAML tag %s is not allowed in records", n.Tag), "remove the tag")
	return nil
}

// Find returns the node at a dotted field path (e.g. "exemptions.0.change")
// under root, and the deepest node reached when the path does not exist
// (e.g. the mapping a missing field belongs in).
func Find(root *yaml.Node, path string) (n *yaml.Node, found bool) {
	if path == "" {
		return root, true
	}
	return FindPath(root, strings.Split(path, "."))
}

// FindPath is Find for a path given as selectors, so that a key holding a
// dot or a space is one selector.
func FindPath(root *yaml.Node, sels []string) (n *yaml.Node, found bool) {
	n = root
	for _, sel := range sels {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == sel {
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return n, false
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(sel)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n, false
			}
			n = n.Content[i]
		default:
			return n, false
		}
	}
	return n, true
}

// FindKey is like Find but returns the key node of the last selector when
// it names a mapping field: the place to point at for an unknown field.
func FindKey(root *yaml.Node, path string) (*yaml.Node, bool) {
	if path == "" {
		return root, true
	}
	return FindKeyPath(root, strings.Split(path, "."))
}

// FindKeyPath is FindKey for a path given as selectors.
func FindKeyPath(root *yaml.Node, sels []string) (*yaml.Node, bool) {
	if len(sels) == 0 {
		return root, true
	}
	p, ok := FindPath(root, sels[:len(sels)-1])
	if ok && p.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(p.Content); j += 2 {
			if p.Content[j].Value == sels[len(sels)-1] {
				return p.Content[j], true
			}
		}
	}
	return FindPath(root, sels)
}

// PosOf returns the position of the node at path in file (see Find).
func PosOf(file string, root *yaml.Node, path string) record.Pos {
	n, _ := Find(root, path)
	return record.Pos{File: file, Line: n.Line, Col: n.Column}
}
