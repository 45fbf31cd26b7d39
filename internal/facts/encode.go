package facts

import (
	"encoding/json"
	"fmt"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
	"gopkg.in/yaml.v3"
)

// Encode returns the bytes of the facts file to write for d (indented
// JSON, or YAML when format is "yaml"), checked exactly as ReadDir and the
// audit will read them: under MaxFileBytes, through Parse with v (#Facts
// when v is set). A document estate would refuse is never returned: the
// findings say why, and the device is to be reported, not written
// (estate never writes a facts file it would then refuse).
func Encode(d record.Device, format string, v *schema.Validator) ([]byte, []record.Finding) {
	var b []byte
	var err error
	if format == "yaml" {
		b, err = yaml.Marshal(d.Facts)
	} else if b, err = json.MarshalIndent(d.Facts, "", "  "); err == nil {
		b = append(b, '\n')
	}
	if err != nil {
		return nil, []record.Finding{{Pos: record.Pos{File: d.Source}, Rule: RuleFacts, Severity: record.SevHigh,
			Message: "encode facts: " + err.Error()}}
	}
	if int64(len(b)) > MaxFileBytes {
		return nil, []record.Finding{{Pos: record.Pos{File: d.Source}, Rule: RuleFacts, Severity: record.SevHigh,
			Message: fmt.Sprintf("the facts of %s come to %s, over the %s a facts file may hold: not written", d.Source, size(int64(len(b))), size(MaxFileBytes)),
			Hint:    "collect fewer tables or packages for this device (a results log's history belongs in the log, not in the facts)"}}
	}
	if _, fs := Parse(d.Source, b, v); len(fs) > 0 {
		return nil, fs
	}
	return b, nil
}
