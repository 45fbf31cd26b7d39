package load_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// yamlRoot parses data with yaml.v3 alone: the root mapping node of its
// one document, or an error.
func yamlRoot(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("a second document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a mapping")
	}
	return doc.Content[0], nil
}

// sameNode reports the first difference between two node trees, field by
// field: what yaml.v3 gives is what every consumer of load.Parse sees.
func sameNode(path string, got, want *yaml.Node) error {
	type fields struct {
		Kind                                  yaml.Kind
		Style                                 yaml.Style
		Tag, Value, Anchor                    string
		HeadComment, LineComment, FootComment string
		Line, Column, Children                int
		Alias                                 bool
	}
	f := func(n *yaml.Node) fields {
		return fields{n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment,
			n.Line, n.Column, len(n.Content), n.Alias != nil}
	}
	if g, w := f(got), f(want); g != w {
		return fmt.Errorf("%s: got %+v, yaml.v3 gives %+v", path, g, w)
	}
	for i := range got.Content {
		if err := sameNode(fmt.Sprintf("%s/%d", path, i), got.Content[i], want.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

// dropComments clears the comments of a tree: the plain parser drops
// them (nothing in estate reads them); everything else must match.
func dropComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		dropComments(c)
	}
}

// checkPlain fails t when the plain parser accepts data and its tree
// differs from yaml.v3's, or yaml.v3 refuses what it accepted. It reports
// whether the plain parser accepted data.
func checkPlain(t testing.TB, name string, data []byte) bool {
	t.Helper()
	got, ok := load.ParsePlain(data)
	if !ok {
		return false
	}
	want, err := yamlRoot(data)
	if err != nil {
		t.Fatalf("%s: the plain parser accepted what yaml.v3 refuses (%v):\n%s", name, err, data)
	}
	dropComments(want)
	if err := sameNode("", got, want); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, data)
	}
	return true
}

func TestParsePlainMatchesYAML(t *testing.T) {
	// In the plain style: taken, and the same tree as yaml.v3's.
	accept := []string{
		"a: 1 # comment\n", "# head\na: 1\n", "a:\n  # inside\n  b: 1 #x\n# low\n  c: 2\n#foot\n", "a: C#, F#\nb: [x#1, y] # c\n",
		"k: v\n  # deeper comment\nl: w\n", "l:\n- a # one\n- b\n",
		"a: [x, y]\n", "a: {b: 1}\n", "a: []\nb: {}\n", "a: [ x ,y ]\n", "a: [\"x, y\", 'z', w v]\n",
		"a: {k: \"v\", j: w x, q: 1}\n", "a: [José, Zoë, x]\nb: {u: Zoë, v: ö}\n", "l:\n- [a]\n- {b: c}\n",
		"cost: {amount: 240, currency: GBP, period: year}\npackages: [\"Microsoft Office*\", \"microsoft-365*\"]\n",
		"a: 1",
		"  a: 1\n  b: x\n",
		"apiVersion: estate/v1\nkind: Asset\nid: LT-1\nserial: \"C02 X\"\nnotes: 'it is'\n",
		"a: \"\"\nb: ''\nc: \"with 'single' inside\"\nd: 'with \"double\" inside'\n",
		"purchase:\n  date: 2022-11-26\n  cost: 1983.53\n  order: PO-1\nwarranty:\n    expires: 2025-11-26\n",
		"tags:\n- a\n- b\nnext: x\n",
		"tags:\n  - a\n  -   b\n",
		"controls:\n  - id: X-1\n    check:\n      fact: os.version\n      version: \">= 14.5\"\n  - id: X-2\n    severity: high\n",
		"items:\n-   a: 1\n    b:\n    - x\n    - y\n-   c: 2\n",
		"a:\n  b:\n    c:\n      d: deep\ne: top\n",
		"n: ~\nb: true\nf: .inf\ni: 0x1F\no: 0o17\ns: 12:30\nt: 2026-11-23T12:00:00Z\nu: https://example.org/a?b=c\n",
		"name: José Müller 北京\nk: 日本語 ok\nl: [日本, 語]\n",
		"y: yes\nn: no\non: off\nnull: null\n1: one\n",
		"a: x  y  \nb:    spaced\n\n\nc: after blank lines\n   \n",
		"a: R&D and *stars* and !bangs\nb: 50%\nc: a, b, c\nd: x[1]{2}\n",
		"a: b:c\n",
	}
	for _, s := range accept {
		if !checkPlain(t, fmt.Sprintf("%q", s), []byte(s)) {
			t.Errorf("the plain parser refused %q", s)
		}
	}
	// Either way, but never a different tree.
	for _, s := range []string{"a: 'x'y'\n", "a: x\n b: y\n", "a:\n  - x\n  y: z\n", "a: -\n", "a: -5\n", "list:\n- -5\n",
		"a: [x,y]\n", "a: [x ]\n", "a: {k: 2026-11-25T18:00:00Z}\n", "a: [a:b]\n", "a: {k:v}\n", "a: [x]]\n", "a: {'q': 1}\n", "a: {ü: 1}\n", "notes: 'it''s'x\n", "k: 日本語: no\n"} {
		checkPlain(t, fmt.Sprintf("%q", s), []byte(s))
	}
	// Outside the plain style: left to yaml.v3 (which accepts some and
	// refuses others).
	refuse := []string{
		"", "\n", "a:\n", "a:\nb: 1\n", "- a\n", "x\n",
		"a: 'x' # c\n", "a: \"x #y\"\n", "a: O'Brien # c\n", "a: [x #c, y]\n", "a: # c\n", "#only\n",
		"a: [x, ]\n", "a: [x,, y]\n", "a: [[x]]\n", "a: [x] y\n", "a: {k: v: w}\n", "a: [x: y]\n", "a: [x\n",
		"a: {k}\n", "a: {k: }\n", "a: [\"x\" y]\n", "a: ['x''y']\n", "a: [\"x\\ty\"]\n", "a: [&x y]\n", "a: [-x]\n",
		"a: |\n  text\n", "a: >\n  text\n", "a: &x 1\nb: *x\n", "a: !!str 1\n",
		"---\na: 1\n", "a: 1\n...\n", "a: 1\n---\nb: 2\n", "a: \"x\\ty\"\n", "a: \"x\"y\"\n", "\"a\": 1\n",
		"a: 1\r\nb: 2\r\n", "a:\t1\n", "\ufeffa: 1\n", "a: x\u2028y\n", "a: x\u0085y\n",
		"a: x\n  y\n", "a:\n  - x\n   - y\n", "a:\n  b: 1\n c: 2\n", "a:\n- - x\n", "a:\n-\n  x: 1\n",
		"a: b: c\n", "a: b:\n", "a:b\n", "a : 1\n", "? a\n: 1\n", "a: <<\n", "<<: x\n", "a: %x\n", "a: @x\n",
		"a: `x`\n", "a: ? x\n", "a: :x\n", "a: ,x\n", "a: 'x\n", "a: \"x\n", "a: \"x\"  y\n",
		"a:\n  -\n", "a:\n  - \n", strings.Repeat("k", 1001) + ": v\n",
	}
	for _, s := range refuse {
		if checkPlain(t, fmt.Sprintf("%q", s), []byte(s)) {
			t.Errorf("the plain parser accepted %q: it is outside the plain style", s)
		}
	}
}

// TestParsePlainEstates holds the plain parser to yaml.v3 on every record
// of the reference estate and of a generated one, and checks that it
// takes nearly all generated assets: if it stopped accepting them the
// speed it exists for would be lost without any test failing.
func TestParsePlainEstates(t *testing.T) {
	root := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "internal" || d.Name() == "cmd") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checkPlain(t, p, data)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("read %d records of the reference estate; want at least 50", n)
	}
	assets, accepted := 0, 0
	for _, f := range synth.Generate(synth.Config{Assets: 2000, Seed: 7, InvalidEvery: 13}) {
		ok := checkPlain(t, f.Path, f.Data)
		if load.Classify(f.Path).Kind == record.KindAsset {
			assets++
			if ok {
				accepted++
			}
		}
	}
	if accepted < assets*95/100 {
		t.Errorf("the plain parser took %d of %d generated assets; want 95%%", accepted, assets)
	}
}

func FuzzParsePlain(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("a: 1\nb:\n  - x: 1\n    y: \"2\"\n  - z\nc:\n- 'q'\n"))
	f.Add([]byte("# head\na: 1 # one\nb:\n  # in\n  - x: C#\n# low\n    y: [p, q] # r\nc: d#e\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPlain(t, "fuzz", data)
	})
}

func BenchmarkParse(b *testing.B) {
	files := synth.Generate(synth.Config{Assets: 1000, Seed: 1})
	var docs [][]byte
	for _, f := range files {
		if strings.HasPrefix(f.Path, "inventory/") {
			docs = append(docs, f.Data)
		}
	}
	b.Run("plain", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, fs := load.Parse("x.yaml", docs[i%len(docs)]); fs != nil {
				b.Fatal(fs)
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := yamlRoot(docs[i%len(docs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestParsePlainLongFlowLine: a megabyte-long flow list on one line (a
// hostile record within the size limit) parses in linear time.
func TestParsePlainLongFlowLine(t *testing.T) {
	parse := func(n int) uint64 {
		data := []byte("a: [" + strings.Repeat("é, ", n) + "x]\n")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		root, ok := load.ParsePlain(data)
		runtime.ReadMemStats(&after)
		if !ok || len(root.Content[1].Content) != n+1 {
			t.Fatalf("not parsed: %v", ok)
		}
		if last := root.Content[1].Content[n]; last.Column != 5+n*3 {
			t.Errorf("the last item is at column %d, want %d", last.Column, 5+n*3)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	// A 1 MB flow line costs in proportion to its length: four times the
	// items, under six times the allocation (a ratio, not a time limit).
	small, large := parse(62500), parse(250000)
	if r := float64(large) / float64(small); r > 6 {
		t.Errorf("4x the items allocated %.1fx the bytes", r)
	}
	// And in CPU: the quadratic column count this guards against
	// allocated nothing. 64 times the items take about 90 times as long
	// here (caches; more on a loaded machine: 16 times took 74 times
	// once at load 12), a quadratic parser 4,096 times: the fastest of
	// seven runs each, never a wall-clock limit, with room for the load.
	line := func(n int) []byte { return []byte("a: [" + strings.Repeat("é, ", n) + "x]\n") }
	lo, hi := line(3906), line(250000)
	if r := load.FastestRatio(7, func() { load.ParsePlain(hi) }, func() { load.ParsePlain(lo) }); r > 640 {
		t.Errorf("64x the items took %.1fx the time: not linear", r)
	}
}
