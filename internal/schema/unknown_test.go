package schema

import (
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// TestUnknownFieldHints: an unknown field gets a did-you-mean only for a
// near miss; a key dedented out of the mapping above it is told to go back
// in, not offered a far-fetched name.
func TestUnknownFieldHints(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.NewValidator()
	head := "apiVersion: estate/v1\nkind: Asset\nid: LT-1\nclass: laptop\nstatus: in-stock\n"
	for _, c := range []struct {
		name, doc string
		line, col int
		msg, hint string
	}{
		{"a near miss", head + "serail: X\n", 6, 1, `unknown field "serail"`, `did you mean "serial"?`},
		{"a dedented key", head + "purchase:\n  date: 2024-01-02\ncost: 10\n", 8, 1, `unknown field "cost"`, `it is a field of purchase: indent it under "purchase"`},
		{"nothing near", head + "colour: red\n", 6, 1, `unknown field "colour"`, "allowed here: "},
		{"a nested near miss", head + "purchase:\n  dtae: 2024-01-02\n", 7, 3, `unknown field "dtae"`, `did you mean "date"?`},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, fs := load.Parse("f.yaml", []byte(c.doc))
			if fs != nil {
				t.Fatal(fs)
			}
			value, fs := load.Value("f.yaml", root, load.DefaultLimits)
			if fs != nil {
				t.Fatal(fs)
			}
			got := v.Validate(record.KindAsset, value, "f.yaml", root)
			if len(got) != 1 || got[0].Pos.Line != c.line || got[0].Pos.Col != c.col || got[0].Message != c.msg || !strings.HasPrefix(got[0].Hint, c.hint) {
				t.Errorf("findings %+v; want one at %d:%d %q with a hint starting %q", got, c.line, c.col, c.msg, c.hint)
			}
		})
	}
}
