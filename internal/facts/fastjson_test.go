package facts

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
)

// slowParse is Parse without the shortcut: the YAML route.
func slowParse(file string, data []byte, v *schema.Validator) (*record.Facts, []record.Finding) {
	root, fs := load.Parse(file, data)
	if len(fs) > 0 {
		return nil, fs
	}
	value, fs := load.Value(file, root, load.Limits{MaxFileBytes: MaxFileBytes, MaxNodes: 1_000_000})
	if len(fs) > 0 {
		return nil, fs
	}
	if fs := v.Validate(record.KindFacts, value, file, root); len(fs) > 0 {
		return nil, fs
	}
	f := new(record.Facts)
	if err := root.Decode(f); err != nil {
		return nil, []record.Finding{{Message: err.Error()}}
	}
	if f.Identity.Serial == "" && f.Identity.Hostname == "" {
		return nil, []record.Finding{{Message: "no identity"}}
	}
	return f, nil
}

// The shortcut and the YAML route agree on every document of the
// reference estate's facts/ and on the tests' own.
func TestParseFastMatchesYAML(t *testing.T) {
	sch, err := schema.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := sch.NewValidator()
	docs := map[string][]byte{"good": []byte(goodDoc)}
	files, _ := filepath.Glob("../../facts/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = b
	}
	if len(files) == 0 {
		t.Log("no reference facts/ next to the package")
	}
	for name, data := range docs {
		fast := parseFast(data, v)
		slow, fs := slowParse(name, data, v)
		if fast == nil || slow == nil {
			t.Errorf("%s: fast %v, slow %v %v", name, fast != nil, slow != nil, fs)
			continue
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: the routes disagree:\nfast %+v\nslow %+v", name, fast, slow)
		}
	}
}

// Whatever the input, the shortcut never accepts what the YAML route
// refuses, and where both accept they agree.
func FuzzParseFast(f *testing.F) {
	sch, err := schema.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	v := sch.NewValidator()
	f.Add([]byte(goodDoc))
	f.Add([]byte(`{"apiVersion":"estate/v1","kind":"Facts","collected_at":"2026-11-22T09:00:00Z","collector":{"name":"ssh"},"identity":{"serial":"A","serial":"B"}}`))
	f.Add([]byte(`{"apiVersion":"estate/v1","kind":"Facts","collected_at":"2026-11-22T09:00:00Z","collector":{"name":"ssh"},"identity":{"hostname":"h"},"security":{"screen_lock_seconds":1e2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := parseFast(data, v)
		if fast == nil {
			return
		}
		slow, fs := slowParse("f.json", data, v)
		if slow == nil {
			t.Fatalf("the shortcut accepted what the YAML route refuses: %v", fs)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the routes disagree:\nfast %+v\nslow %+v", fast, slow)
		}
	})
}

func BenchmarkParseFacts(b *testing.B) {
	sch, err := schema.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	v := sch.NewValidator()
	data, err := os.ReadFile("../../facts/lt-00101.json")
	if err != nil {
		b.Skip("no reference facts")
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if f, _ := Parse("f.json", data, v); f == nil {
				b.Fatal("not parsed")
			}
		}
	})
	b.Run("yaml", func(b *testing.B) {
		for b.Loop() {
			if f, _ := slowParse("f.json", data, v); f == nil {
				b.Fatal("not parsed")
			}
		}
	})
}
