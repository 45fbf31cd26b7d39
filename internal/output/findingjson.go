package output

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/estate-dev/estate/internal/record"
)

// findingEncoder appends a finding as encoding/json's Encoder with
// SetIndent(prefix, "  ") writes record.Finding (its fields, order,
// omitempty and escaping), without the trailing newline: the same bytes
// in a tenth of the time, since a report of a bad day holds a million
// findings and Marshal then Indent of each was most of writing it. A
// string that needs escaping is handed to encoding/json itself, so the
// escaping is always its own (TestFindingJSONMatchesEncoder, and the fuzz
// test, compare the two).
type findingEncoder struct {
	escapeHTML bool
	prefix     string // the indents of the prefix last asked for
	in1, in2   string
	buf        bytes.Buffer
	enc        *json.Encoder
}

func newFindingEncoder(escapeHTML bool) *findingEncoder {
	e := &findingEncoder{escapeHTML: escapeHTML}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(escapeHTML)
	return e
}

// appendFinding appends f at the indent prefix.
func (e *findingEncoder) appendFinding(b []byte, prefix string, f *record.Finding) []byte {
	if e.in1 == "" || e.prefix != prefix {
		e.prefix, e.in1, e.in2 = prefix, prefix+"  ", prefix+"    "
	}
	in1, in2 := e.in1, e.in2
	b = append(b, "{\n"...)
	b = append(b, in1...)
	b = append(b, `"pos": {`...)
	b = append(b, '\n')
	b = append(b, in2...)
	b = append(b, `"file": `...)
	b = e.appendString(b, f.Pos.File)
	if f.Pos.Line != 0 {
		b = e.appendInt(b, in2, "line", f.Pos.Line)
	}
	if f.Pos.Col != 0 {
		b = e.appendInt(b, in2, "column", f.Pos.Col)
	}
	b = append(b, '\n')
	b = append(b, in1...)
	b = append(b, '}')
	b = e.appendField(b, in1, "rule", f.Rule, false)
	b = e.appendField(b, in1, "severity", f.Severity.String(), false)
	b = e.appendField(b, in1, "message", f.Message, false)
	b = e.appendField(b, in1, "hint", f.Hint, true)
	b = e.appendField(b, in1, "record", f.Record, true)
	b = e.appendField(b, in1, "field", f.Field, true)
	b = e.appendField(b, in1, "owner", f.Owner, true)
	b = e.appendField(b, in1, "control", f.Control, true)
	b = e.appendField(b, in1, "expected", f.Expected, true)
	b = e.appendField(b, in1, "observed", f.Observed, true)
	b = e.appendField(b, in1, "evidence", f.Evidence, true)
	b = e.appendField(b, in1, "state", f.State, true)
	b = e.appendField(b, in1, "failing_since", f.FailingSince, true)
	if f.AgeDays != nil {
		b = e.appendInt(b, in1, "age_days", *f.AgeDays)
	}
	b = e.appendField(b, in1, "grace_until", f.GraceUntil, true)
	b = e.appendField(b, in1, "effective", f.Effective, true)
	b = e.appendField(b, in1, "problem", f.Problem, true)
	b = append(b, '\n')
	b = append(b, prefix...)
	return append(b, '}')
}

func (e *findingEncoder) appendField(b []byte, indent, key, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return b
	}
	b = append(b, ",\n"...)
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `": `...)
	return e.appendString(b, v)
}

func (e *findingEncoder) appendInt(b []byte, indent, key string, v int) []byte {
	b = append(b, ",\n"...)
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `": `...)
	return strconv.AppendInt(b, int64(v), 10)
}

// appendString appends s quoted: as it is when encoding/json would not
// escape a byte of it (printable ASCII but " and \, and < > & when
// escaping HTML), else as encoding/json writes it.
func (e *findingEncoder) appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || (e.escapeHTML && (c == '<' || c == '>' || c == '&')) {
			e.buf.Reset()
			if err := e.enc.Encode(s); err != nil { // a string always encodes
				panic(err)
			}
			return append(b, bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
