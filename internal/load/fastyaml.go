package load

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// parsePlain parses data when it is written in the plain style that
// estate itself writes and most records are in: block mappings and
// sequences, one-line flow sequences and mappings of scalars, one-line
// plain, single- or double-quoted scalars, and comments; no anchors,
// tags, nested flow collections, block scalars, escapes, empty values or
// document markers. It returns the root mapping node exactly as yaml.v3
// would (kinds, tags, styles, values, lines and columns) but for comments,
// which it drops: nothing in estate reads them (load.Parse's callers use
// the tree for values and positions). It returns ok false when data is outside that style or is not a
// mapping; the caller then parses it with yaml.v3, which also gives the
// errors. It is about four times faster than yaml.v3 on a record, and
// parsing is most of the cost of reading an estate without a cache.
// TestParsePlainMatchesYAML and FuzzParsePlain hold it to yaml.v3.
func parsePlain(data []byte) (root *yaml.Node, ok bool) {
	if !plainBytes(data) {
		return nil, false
	}
	lines, ok := splitLines(string(data))
	if !ok {
		return nil, false
	}
	p := plainParser{lines: lines}
	// A key and a value per line, and the items of flow collections:
	// enough that the nodes never move (a reallocation copies them all).
	flow := bytes.Count(data, []byte("[")) + bytes.Count(data, []byte("{"))
	p.nodes = make([]yaml.Node, 0, len(p.lines)*2+2+3*flow+2*bytes.Count(data, []byte(",")))
	if len(p.lines) == 0 || p.lines[0].seqItem() {
		return nil, false
	}
	root, ok = p.mapping(p.lines[0].indent)
	if !ok || p.i != len(p.lines) {
		return nil, false
	}
	return root, true
}

// plainBytes reports whether data holds only characters the plain style
// allows: printable characters YAML accepts and newlines; no tab, carriage
// return, byte order mark, or a character yaml.v3 takes for a line break
// (NEL, LS, PS).
func plainBytes(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c == 0x7f || (c < 0x20 && c != '\n') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0xa0, // C1 controls and NEL
			r == 0x2028, r == 0x2029, r == 0xfeff,
			r >= 0xd800 && r <= 0xdfff,
			r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}

// plainLine is one line that holds something: its number (from 1), its
// indentation in spaces, and its text after the indentation with trailing
// spaces removed.
type plainLine struct {
	no     int
	indent int
	text   string
}

func (l plainLine) seqItem() bool {
	return len(l.text) >= 2 && l.text[0] == '-' && l.text[1] == ' ' || len(l.text) == 1 && l.text[0] == '-'
}

func splitLines(data string) ([]plainLine, bool) {
	lines := make([]plainLine, 0, strings.Count(data, "\n")+1)
	no := 0
	for len(data) > 0 {
		no++
		var l string
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, ""
		}
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		text := strings.TrimRight(l[indent:], " ")
		if c := commentAt(text); c >= 0 {
			// A comment runs from a '#' at the start or after a space to
			// the end of the line, unless it is inside a quoted scalar:
			// on a line with a quote character, which takes telling
			// quotes from apostrophes in plain scalars, yaml.v3 decides.
			if c > 0 && strings.ContainsAny(text[:c], "'\"") {
				return nil, false
			}
			text = strings.TrimRight(text[:c], " ")
		}
		if len(text) > 0 {
			lines = append(lines, plainLine{no: no, indent: indent, text: text})
		}
	}
	return lines, true
}

// commentAt returns where a comment starts in text (a '#' first or after
// a space), or -1.
func commentAt(text string) int {
	for i := 0; i < len(text); i++ {
		if text[i] == '#' && (i == 0 || text[i-1] == ' ') {
			return i
		}
	}
	return -1
}

type plainParser struct {
	lines []plainLine
	i     int
	nodes []yaml.Node // allocated together: one allocation for most documents
}

// node returns a new node with the fields of n.
func (p *plainParser) node(n yaml.Node) *yaml.Node {
	p.nodes = append(p.nodes, n)
	return &p.nodes[len(p.nodes)-1]
}

// mapping parses the block mapping whose keys are at indent, starting at
// the current line.
func (p *plainParser) mapping(indent int) (*yaml.Node, bool) {
	first := p.lines[p.i]
	m := p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: first.no, Column: indent + 1})
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break // the parent's next entry
		}
		if l.indent > indent {
			return nil, false
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, false
		}
		k := p.plainScalar(key, l.no, indent+1)
		p.i++
		var v *yaml.Node
		if len(rest) > 0 {
			v, ok = p.valueAt(rest, l.no, indent+1+len(l.text)-len(rest))
			if !ok || p.i < len(p.lines) && p.lines[p.i].indent > indent {
				return nil, false // a scalar over several lines, or bad indentation
			}
		} else {
			if p.i == len(p.lines) {
				return nil, false // an empty value
			}
			next := p.lines[p.i]
			switch {
			case next.indent > indent && next.seqItem():
				v, ok = p.sequence(next.indent)
			case next.indent > indent:
				v, ok = p.mapping(next.indent)
			case next.indent == indent && next.seqItem():
				v, ok = p.sequence(indent)
			default:
				return nil, false // an empty value
			}
			if !ok {
				return nil, false
			}
		}
		m.Content = append(m.Content, k, v)
	}
	return m, true
}

// sequence parses the block sequence whose dashes are at indent.
func (p *plainParser) sequence(indent int) (*yaml.Node, bool) {
	first := p.lines[p.i]
	s := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: first.no, Column: indent + 1})
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent || l.indent == indent && !l.seqItem() {
			break
		}
		if l.indent > indent || len(l.text) < 3 {
			return nil, false // bad indentation, or an item on the lines below its dash
		}
		body := l.text[2:]
		col := indent + 2
		for body[0] == ' ' {
			body = body[1:]
			col++
		}
		if body[0] == '-' && (len(body) == 1 || body[1] == ' ') {
			return nil, false // a sequence in a sequence
		}
		if _, _, isKey := splitKey(body); isKey {
			// A mapping that starts on the dash's line: its keys are
			// at the column of the first.
			p.lines[p.i] = plainLine{no: l.no, indent: col, text: body}
			v, ok := p.mapping(col)
			if !ok {
				return nil, false
			}
			s.Content = append(s.Content, v)
			continue
		}
		v, ok := p.valueAt(body, l.no, col+1)
		p.i++
		if !ok || p.i < len(p.lines) && p.lines[p.i].indent > indent {
			return nil, false
		}
		s.Content = append(s.Content, v)
	}
	return s, true
}

// splitKey splits "key: rest" or "key:" with a key of letters, digits
// and _ - . / (starting with a letter, digit or _).
func splitKey(text string) (key, rest string, ok bool) {
	if len(text) == 0 || !keyStart(text[0]) {
		return "", "", false
	}
	i := 1
	for i < len(text) && keyByte(text[i]) {
		i++
	}
	if i >= len(text) || text[i] != ':' || i > 1000 {
		return "", "", false
	}
	if i+1 == len(text) {
		return text[:i], "", true
	}
	if text[i+1] != ' ' {
		return "", "", false
	}
	return text[:i], strings.TrimLeft(text[i+1:], " "), true
}

func keyStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func keyByte(c byte) bool { return keyStart(c) || c == '-' || c == '.' || c == '/' }

// valueAt parses the rest of a line, text, at column col: a flow
// sequence or mapping, or a scalar.
func (p *plainParser) valueAt(text string, line, col int) (*yaml.Node, bool) {
	switch text[0] {
	case '[':
		return p.flowAt(text, line, col, ']')
	case '{':
		return p.flowAt(text, line, col, '}')
	case '"', '\'':
		n, size, ok := p.quotedAt(text, line, col)
		return n, ok && size == len(text)
	}
	if !plainStart(text[0]) || strings.Contains(text, ": ") || text[len(text)-1] == ':' {
		return nil, false
	}
	return p.plainScalar(text, line, col), true
}

// plainStart reports whether a plain scalar may start with c: not an
// indicator, nor '<' (the merge key "<<").
func plainStart(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '"', '\'', '<':
		return false
	}
	return true
}

// quotedAt parses the quoted scalar text starts with, without escapes or
// doubled quotes, and says how many bytes it took.
func (p *plainParser) quotedAt(text string, line, col int) (n *yaml.Node, size int, ok bool) {
	q := text[0]
	end := strings.IndexByte(text[1:], q)
	if end < 0 {
		return nil, 0, false
	}
	inner := text[1 : 1+end]
	if q == '"' && strings.IndexByte(inner, '\\') >= 0 || 2+end < len(text) && text[2+end] == q {
		return nil, 0, false
	}
	style := yaml.DoubleQuotedStyle
	if q == '\'' {
		style = yaml.SingleQuotedStyle
	}
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: style, Value: inner, Line: line, Column: col}), 2 + end, true
}

// flowAt parses a one-line flow sequence ([a, "b"]) or mapping ({k: v})
// of scalars that is the whole of text. Columns count characters, as
// yaml.v3's do.
func (p *plainParser) flowAt(text string, line, col int, closer byte) (*yaml.Node, bool) {
	n := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col})
	if closer == '}' {
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
	}
	if text[len(text)-1] != closer {
		return nil, false
	}
	i := 1
	// colAt counts characters from where it last counted: i only grows,
	// so a line of many items costs linear time, not quadratic.
	seen, seenCol := 0, col
	colAt := func(i int) int {
		seenCol += utf8.RuneCountInString(text[seen:i])
		seen = i
		return seenCol
	}
	skip := func() {
		for i < len(text) && text[i] == ' ' {
			i++
		}
	}
	skip()
	if i == len(text)-1 {
		return n, true // empty
	}
	for {
		if n.Kind == yaml.MappingNode {
			key, rest, ok := splitKey(text[i:])
			if !ok || len(rest) == 0 {
				return nil, false
			}
			n.Content = append(n.Content, p.plainScalar(key, line, colAt(i)))
			i = len(text) - len(rest)
		}
		var v *yaml.Node
		if c := text[i]; c == '"' || c == '\'' {
			q, size, ok := p.quotedAt(text[i:], line, colAt(i))
			if !ok {
				return nil, false
			}
			v, i = q, i+size
		} else {
			end := i
			for end < len(text) && text[end] != ',' && text[end] != closer {
				end++
			}
			item := strings.TrimRight(text[i:end], " ")
			if len(item) == 0 || !plainStart(item[0]) || strings.ContainsAny(item, "[]{}:") {
				return nil, false
			}
			v, i = p.plainScalar(item, line, colAt(i)), end
		}
		n.Content = append(n.Content, v)
		skip()
		switch {
		case i == len(text)-1:
			return n, true
		case text[i] != ',':
			return nil, false
		}
		i++
		skip()
		if i >= len(text)-1 {
			return nil, false // a trailing comma
		}
	}
}

// plainScalar is the node of a plain scalar, tagged as yaml.v3 resolves it.
func (p *plainParser) plainScalar(text string, line, col int) *yaml.Node {
	n := p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text, Line: line, Column: col})
	if maybeNotString(text[0]) {
		n.Tag = ""
		n.Tag = n.ShortTag()
	}
	return n
}

// maybeNotString reports whether yaml.v3 might resolve a plain scalar
// starting with c to something other than a string: a number, date, bool,
// null, infinity or NaN (resolve's table of hints). Any other is a string.
func maybeNotString(c byte) bool {
	return '0' <= c && c <= '9' || strings.IndexByte("+-.~yYnNtTfFoO", c) >= 0
}
