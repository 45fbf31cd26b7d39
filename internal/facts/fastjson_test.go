package facts

import (
	"bytes"
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
		if fast == nil || bytes.Contains(data, []byte(`\/`)) {
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

// yamlValue is what the YAML route makes of a JSON document.
func yamlValue(data []byte) (any, bool) {
	root, fs := load.Parse("x.json", data)
	if len(fs) > 0 {
		return nil, false
	}
	v, fs := load.Value("x.json", root, load.Limits{MaxFileBytes: MaxFileBytes, MaxNodes: 1_000_000})
	return v, len(fs) == 0
}

func TestFastJSONMatchesYAML(t *testing.T) {
	for _, doc := range []string{
		`{"a": "plain", "b": "esc \" \\ \b \f \n \r \t \u00e9 \u4e2d \u0001", "c": "ünï €"}`,
		`{"n": [0, -0, 1, -17, 9223372036854775807, -9223372036854775808, 1.5, -2.25e3, 1E-2, 0.0]}`,
		`{"t": true, "f": false, "z": null, "e": {}, "l": [], "nest": {"x": [{"y": [1, {"z": "w"}]}]}}`,
		"{\t\"tabs\":\t1,\r\n\"crlf\": 2 }",
		`{"k": "v"}` + "\n\n",
	} {
		fast, ok := fastJSON([]byte(doc))
		if !ok {
			t.Errorf("fastJSON refused %s", doc)
			continue
		}
		slow, ok := yamlValue([]byte(doc))
		if !ok {
			t.Errorf("the YAML route refused %s", doc)
			continue
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\nfast %#v\nyaml %#v", doc, fast, slow)
		}
	}
	// JSON may escape a slash (PHP's json_encode does, so MDM exports do);
	// yaml.v3 refuses \/ in a double-quoted scalar, so here the shortcut
	// accepts what the YAML route would not, deliberately.
	if v, ok := fastJSON([]byte(`{"url": "https:\/\/mdm.example.org\/d\/1"}`)); !ok || v.(map[string]any)["url"] != "https://mdm.example.org/d/1" {
		t.Errorf("escaped slashes: %v %v", v, ok)
	}
	for _, bad := range []string{
		`{"a": 1, "a": 2}`, `{"a": 1} x`, `{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": 1e999}`, `{"a": 99999999999999999999}`,
		`{"a": "\ud83d\ude00"}`, `{"a": "x` + "\x01" + `"}`, `{"a": "\x"}`, `{"a": tru}`, `{"a": [1,]}`, `{"a": 1,}`, `{"a" 1}`,
		"{\"a\": \"\xff\"}", `{"a": NaN}`, `{'a': 1}`, `{a: 1}`, ``, `[`,
	} {
		if v, ok := fastJSON([]byte(bad)); ok {
			t.Errorf("fastJSON accepted %q as %#v", bad, v)
		}
	}
}

func FuzzFastJSON(f *testing.F) {
	f.Add([]byte(`{"a": "esc \" \u00e9", "n": [1, -2.5e3, true, null, {}]}`))
	f.Add([]byte(goodDoc))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastJSON(data)
		if !ok {
			return
		}
		m, isMap := fast.(map[string]any)
		if !isMap || bytes.Contains(data, []byte(`\/`)) {
			return // the YAML route wants a mapping at the top, and refuses \/
		}
		slow, ok := yamlValue(data)
		if !ok {
			t.Fatalf("fastJSON accepted what the YAML route refuses: %q", data)
		}
		if !reflect.DeepEqual(m, slow) {
			t.Fatalf("%q:\nfast %#v\nyaml %#v", data, m, slow)
		}
	})
}
