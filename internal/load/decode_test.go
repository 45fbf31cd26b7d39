package load_test

import (
	"reflect"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// TestDecodeMatchesYAML: the fast decoder gives the same typed record as
// yaml.v3 for every generated record.
func TestDecodeMatchesYAML(t *testing.T) {
	n := 0
	for _, f := range synth.Generate(synth.Config{Assets: 400, Seed: 5}) {
		kind := load.Classify(f.Path).Kind
		if kind == "" {
			continue
		}
		root, fs := load.Parse(f.Path, f.Data)
		if fs != nil {
			t.Fatal(fs)
		}
		value, fs := load.Value(f.Path, root, load.DefaultLimits)
		if fs != nil {
			t.Fatal(fs)
		}
		want, got := record.NewTyped(kind), record.NewTyped(kind)
		if err := root.Decode(want); err != nil {
			t.Fatal(err)
		}
		load.Decode(value, got)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\nyaml.v3: %+v\nDecode:  %+v", f.Path, want, got)
		}
		n++
	}
	if n < 400 {
		t.Errorf("compared %d records", n)
	}
}
