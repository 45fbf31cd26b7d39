package facts

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// fastJSON converts a JSON document into the plain values load.Value
// makes (map[string]any, []any, string, int64, float64, bool, nil),
// without keeping positions. It says no (and the caller takes the YAML
// route, which places every problem at its line and column) for anything
// but a plain, clean document: invalid UTF-8, a syntax error, a duplicate
// key, a control character or a surrogate escape in a string, a number
// that is not a finite float or a 64-bit integer, trailing data, nesting
// deeper than 100. So on valid documents it is a shortcut, and on the
// others it changes nothing — but for one thing: JSON may escape a slash
// ("\/", as PHP's json_encode does in MDM exports), which yaml.v3 refuses;
// here it is accepted.
func fastJSON(data []byte) (any, bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	p := jsonScanner{b: data}
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.ws()
	return v, p.i == len(p.b)
}

type jsonScanner struct {
	b []byte
	i int
}

func (p *jsonScanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// sep reads what follows a member or an element: the closing byte
// (done) or a comma; anything else is no JSON this scanner takes.
func (p *jsonScanner) sep(closing byte) (done, ok bool) {
	p.ws()
	if p.i >= len(p.b) {
		return false, false
	}
	switch p.b[p.i] {
	case closing:
		p.i++
		return true, true
	case ',':
		p.i++
		return false, true
	}
	return false, false
}

func (p *jsonScanner) value(depth int) (any, bool) {
	if depth > 100 {
		return nil, false
	}
	p.ws()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return m, true
		}
		for {
			p.ws()
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			if _, dup := m[k]; dup {
				return nil, false
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, false
			}
			p.i++
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			if done, ok := p.sep('}'); !ok {
				return nil, false
			} else if done {
				return m, true
			}
		}
	case c == '[':
		p.i++
		s := []any{}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return s, true
		}
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			s = append(s, v)
			if done, ok := p.sep(']'); !ok {
				return nil, false
			} else if done {
				return s, true
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.num()
	}
	return nil, false
}

// str reads a string; escapes other than the simple ones and \u of a
// non-surrogate are refused (the YAML route decides those).
func (p *jsonScanner) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	p.i++
	start := p.i
	var buf []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			if buf == nil {
				s := string(p.b[start:p.i])
				p.i++
				return s, true
			}
			buf = append(buf, p.b[start:p.i]...)
			p.i++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c == '\\':
			buf = append(buf, p.b[start:p.i]...)
			if p.i+1 >= len(p.b) {
				return "", false
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				if p.i+4 > len(p.b) {
					return "", false
				}
				r, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
				if err != nil || (r >= 0xD800 && r <= 0xDFFF) {
					return "", false
				}
				buf = utf8.AppendRune(buf, rune(r))
				p.i += 4
			default:
				return "", false
			}
			start = p.i
			if buf == nil {
				buf = []byte{}
			}
		default:
			p.i++
		}
	}
	return "", false
}

// num reads a number as JSON writes it: an integer is an int64, anything
// with a fraction or exponent a finite float64.
func (p *jsonScanner) num() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, false
	}
	isFloat := false
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, false
		}
		isFloat = true
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false
		}
		isFloat = true
	}
	text := string(p.b[start:p.i])
	if !isFloat {
		n, err := strconv.ParseInt(text, 10, 64)
		return n, err == nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	return f, true
}
