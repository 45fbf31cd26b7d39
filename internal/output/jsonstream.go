package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/estate-dev/estate/internal/record"
)

// JSONField is one member of a JSON report object, in order.
type JSONField struct {
	Key   string
	Value any
}

// WriteJSONReport writes a JSON object of the head fields, the findings
// (as "findings") and the tail fields, byte for byte as encoding/json's
// Encoder with two-space indent writes the same struct — but one finding
// at a time, through a small buffer: the report is never whole in memory,
// so writing it takes the same few kilobytes at any number of findings.
// escapeHTML is the Encoder's SetEscapeHTML.
func WriteJSONReport(w io.Writer, head []JSONField, findings []record.Finding, tail []JSONField, escapeHTML bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	value := func(prefix string, v any) error {
		buf.Reset()
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	key := func(first bool, k string) {
		if !first {
			bw.WriteString(",")
		}
		bw.WriteString("\n  \"" + k + "\": ")
	}
	bw.WriteString("{")
	first := true
	for _, f := range head {
		key(first, f.Key)
		first = false
		if err := value("  ", f.Value); err != nil {
			return err
		}
	}
	key(first, "findings")
	if len(findings) == 0 {
		bw.WriteString("[]")
	} else {
		bw.WriteString("[")
		fe := newFindingEncoder(escapeHTML)
		var b []byte
		for i := range findings {
			b = b[:0]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    "...)
			b = fe.appendFinding(b, "    ", &findings[i])
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		bw.WriteString("\n  ]")
	}
	for _, f := range tail {
		key(false, f.Key)
		if err := value("  ", f.Value); err != nil {
			return err
		}
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}
