package facts

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// fastJSON converts a JSON document into the plain values load.Value
// makes (map[string]any, []any, string, int64, float64, bool, nil),
// without keeping positions. It says no (and the caller takes the YAML
// route, which places every problem at its line and column) for anything
// but a clean document: invalid UTF-8, a syntax error, a duplicate key, a
// number that is not a finite float or a 64-bit integer, trailing data.
// So on valid documents it is a shortcut, and on invalid ones it changes
// nothing.
func fastJSON(data []byte) (any, bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, ok := jsonValue(dec, 0)
	if !ok {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

func jsonValue(dec *json.Decoder, depth int) (any, bool) {
	if depth > 100 {
		return nil, false
	}
	t, err := dec.Token()
	if err != nil {
		return nil, false
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				k, isKey := kt.(string)
				if err != nil || !isKey {
					return nil, false
				}
				if _, dup := m[k]; dup {
					return nil, false
				}
				v, ok := jsonValue(dec, depth+1)
				if !ok {
					return nil, false
				}
				m[k] = v
			}
			if end, err := dec.Token(); err != nil || end != json.Delim('}') {
				return nil, false
			}
			return m, true
		case '[':
			s := []any{}
			for dec.More() {
				v, ok := jsonValue(dec, depth+1)
				if !ok {
					return nil, false
				}
				s = append(s, v)
			}
			if end, err := dec.Token(); err != nil || end != json.Delim(']') {
				return nil, false
			}
			return s, true
		}
	case string:
		return t, true
	case json.Number:
		if !strings.ContainsAny(t.String(), ".eE") {
			i, err := t.Int64()
			return i, err == nil
		}
		f, err := t.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, false
		}
		return f, true
	case bool:
		return t, true
	case nil:
		return nil, true
	}
	return nil, false
}
