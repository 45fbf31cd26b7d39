package store

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/estate-dev/estate/internal/record"
	"gopkg.in/yaml.v3"
)

// Render writes v, a typed record (*record.Asset, *record.Location,
// *record.ChangeRequest, ...) or a *yaml.Node, as a YAML document with
// yaml.v3: fields in the order of the type (the schema's), two-space
// indents, no line wrapping. Dates (YYYY-MM-DD) are written plain, as
// people write them; numbers in plain decimal (2199, not 2.199e+03); any
// other string that YAML would read as something else is quoted. A
// *yaml.Node is written as it is.
func Render(v any) ([]byte, error) {
	n, ok := v.(*yaml.Node)
	if !ok {
		n = new(yaml.Node)
		if err := n.Encode(v); err != nil {
			return nil, fmt.Errorf("render %T: %w", v, err)
		}
		tidy(n)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("render %T: %w", v, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render %T: %w", v, err)
	}
	return buf.Bytes(), nil
}

// tidy sets the tags that make yaml.v3 write dates and numbers as a
// person would; the values are unchanged.
func tidy(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode, yaml.MappingNode:
		for _, c := range n.Content {
			tidy(c)
		}
	case yaml.ScalarNode:
		switch {
		case n.Tag == "!!str" && record.IsDate(n.Value):
			// Plain, and read back as the same text.
			n.Tag, n.Style = "!!timestamp", 0
		case n.Tag == "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				if s := strconv.FormatFloat(f, 'f', -1, 64); len(s) <= 24 {
					n.Value = s
					if _, err := strconv.ParseInt(s, 10, 64); err == nil {
						n.Tag = "!!int" // 2199, not !!float 2199: the same number
					}
				}
			}
		}
	}
}
