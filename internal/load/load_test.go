package load_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// pos is a finding reduced to what the tests compare.
type pos struct {
	line, col int
	rule, msg string
}

func reduce(fs []record.Finding) []pos {
	out := []pos{}
	for _, f := range fs {
		out = append(out, pos{f.Pos.Line, f.Pos.Col, f.Rule, f.Message})
	}
	return out
}

func samePos(t *testing.T, what string, got []record.Finding, want []pos) {
	t.Helper()
	if want == nil {
		want = []pos{}
	}
	if fmt.Sprint(reduce(got)) != fmt.Sprint(want) {
		t.Errorf("%s:\n got  %v\n want %v", what, reduce(got), want)
	}
	for _, f := range got {
		if f.Pos.File != "f.yaml" {
			t.Errorf("%s: finding names file %q", what, f.Pos.File)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
		want []pos
	}{
		{"a record", "kind: Asset\nid: A\n", nil},
		{"empty", "", []pos{{1, 1, "yaml", "the file holds no YAML document"}}},
		{"comments only", "# nothing here\n\n", []pos{{1, 1, "yaml", "the file holds no YAML document"}}},
		{"a scalar", "just text\n", []pos{{1, 1, "yaml", "a record must be a mapping of fields (key: value)"}}},
		{"a list", "- a\n- b\n", []pos{{1, 1, "yaml", "a record must be a mapping of fields (key: value)"}}},
		{"a null document", "---\n", []pos{{2, 1, "yaml", "a record must be a mapping of fields (key: value)"}}},
		{"two documents", "a: 1\n---\nb: 2\n", []pos{{2, 1, "yaml", "the file holds more than one YAML document"}}},
		{"a trailing ---", "a: 1\n---\n", nil},
		{"a trailing --- and a comment", "a: 1\n---\n# end\n---\n", nil},
		{"document markers", "---\na: 1\n...\n", nil},
		{"an empty document, then a second", "a: 1\n---\n---\nb: 2\n", []pos{{3, 1, "yaml", "the file holds more than one YAML document"}}},
		{"a null second document", "a: 1\n---\n~\n", []pos{{2, 1, "yaml", "the file holds more than one YAML document"}}},
		{"a YAML 1.2 directive", "%YAML 1.2\n---\na: 1\n", []pos{{1, 1, "yaml", "invalid YAML: found incompatible YAML document"}}},
		{"two documents, the second bad", "a: 1\n---\nb: [\n", []pos{{3, 1, "yaml", "invalid YAML: did not find expected node content"}}},
		{"indentation", "a: 1\n  b: 2\n", []pos{{2, 3, "yaml", "invalid YAML: mapping values are not allowed in this context"}}},
		{"a tab", "a:\n\tb: 2\n", []pos{{2, 1, "yaml", "invalid YAML: found character that cannot start any token"}}},
		{"unterminated quote", "a: \"x\nb: 1\n", []pos{{1, 4, "yaml", "invalid YAML: found unexpected end of stream"}}},
		{"not UTF-8", "a: 1\nb: caf\xe9\n", []pos{{2, 7, "yaml", "the file is not valid UTF-8"}}},
		{"not UTF-8 after multi-byte characters", "a: ünïcödé \xff\n", []pos{{1, 12, "yaml", "the file is not valid UTF-8"}}},
		{"not UTF-8, CRLF", "a: 1\r\nb: 2\r\nc: \xc3\x28\r\n", []pos{{3, 4, "yaml", "the file is not valid UTF-8"}}},
		{"not UTF-8, lone CR line ends", "a: 1\rb: 2\rc: \xc3\x28\r", []pos{{3, 4, "yaml", "the file is not valid UTF-8"}}},
		{"not UTF-8 after a BOM", "\ufeffa: \xff\n", []pos{{1, 4, "yaml", "the file is not valid UTF-8"}}},
		{"UTF-16", "\xff\xfea\x00:\x00 \x001\x00", []pos{{1, 1, "yaml", "the file is not valid UTF-8"}}},
		{"a control character", "a: 1\nb: x\x07y\n", []pos{{2, 5, "yaml", "invalid YAML: control characters are not allowed"}}},
		{"a NUL byte", "a: 1\x00\n", []pos{{1, 5, "yaml", "invalid YAML: control characters are not allowed"}}},
		{"a BOM", "\ufeffa: 1\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, fs := load.Parse("f.yaml", []byte(c.data))
			samePos(t, "Parse", fs, c.want)
			if (root == nil) != (len(c.want) > 0) {
				t.Errorf("root %v with findings %v", root, fs)
			}
		})
	}
}

// TestPositionsCRLFAndBOM: node positions are the same whatever the line
// ends and with or without a byte order mark.
func TestPositionsCRLFAndBOM(t *testing.T) {
	base := "apiVersion: estate/v1\nkind: Asset\npurchase:\n  cost: 12\n  date: 2026-01-02\n"
	for name, data := range map[string]string{
		"LF":       base,
		"CRLF":     strings.ReplaceAll(base, "\n", "\r\n"),
		"BOM":      "\ufeff" + base,
		"BOM+CRLF": "\ufeff" + strings.ReplaceAll(base, "\n", "\r\n"),
	} {
		root, fs := load.Parse("f.yaml", []byte(data))
		if fs != nil {
			t.Fatalf("%s: %v", name, fs)
		}
		for path, want := range map[string][2]int{"apiVersion": {1, 13}, "kind": {2, 7}, "purchase.date": {5, 9}} {
			if p := load.PosOf("f.yaml", root, path); p.Line != want[0] || p.Col != want[1] {
				t.Errorf("%s: %s at %d:%d, want %d:%d", name, path, p.Line, p.Col, want[0], want[1])
			}
		}
		if k, ok := load.FindKey(root, "purchase.cost"); !ok || k.Line != 4 || k.Column != 3 {
			t.Errorf("%s: key purchase.cost at %d:%d", name, k.Line, k.Column)
		}
	}
}

func TestValue(t *testing.T) {
	small := load.Limits{MaxNodes: 50}
	for _, c := range []struct {
		name string
		data string
		want []pos
		lim  load.Limits
	}{
		{"scalars", "a: 1\nb: 1.5\nc: true\nd: null\ne: 2026-01-02\nf: '007'\n", nil, load.DefaultLimits},
		{"binary", "a: 1\ng: !!binary aGk=\n", []pos{{2, 4, "yaml", "YAML tag !!binary is not allowed in records"}}, load.DefaultLimits},
		{"tag on a list", "tags: !foo [a, b]\n", []pos{{1, 7, "yaml", "YAML tag !foo is not allowed in records"}}, load.DefaultLimits},
		{"tag on a mapping", "a: !!python/object:os.system\n  b: 1\n", []pos{{1, 4, "yaml", "YAML tag !!python/object:os.system is not allowed in records"}}, load.DefaultLimits},
		{"tag on a key", "!foo a: 1\n", []pos{{1, 1, "yaml", "YAML tag !foo is not allowed in records"}}, load.DefaultLimits},
		{"a str tag on a key is a string", "!!str 1: a\n", nil, load.DefaultLimits},
		{"tag on a block list", "a: !!set\n  - x\n", []pos{{1, 4, "yaml", "YAML tag !!set is not allowed in records"}}, load.DefaultLimits},
		{"big mapping without aliases", "a: {" + strings.Repeat("x: 1, ", 0) + "b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]}\n",
			[]pos{{1, 188, "yaml", "the document holds more than 50 values: far more than a record has"}}, small},
		{"duplicate key", "a: 1\nb: 2\na: 3\n", []pos{{3, 1, "yaml", `duplicate key "a"`}}, load.DefaultLimits},
		{"duplicate nested key", "a:\n  b: 1\n  b: 2\n", []pos{{3, 3, "yaml", `duplicate key "b"`}}, load.DefaultLimits},
		{"merge key", "base: &b {x: 1}\nc:\n  <<: *b\n", []pos{{3, 3, "yaml", "merge keys (<<) are not supported in records"}}, load.DefaultLimits},
		{"complex key", "? [a, b]\n: 1\n", []pos{{1, 3, "yaml", "a key must be a plain name"}}, load.DefaultLimits},
		{"custom tag", "a: !secret x\n", []pos{{1, 4, "yaml", "YAML tag !secret is not allowed in records"}}, load.DefaultLimits},
		{"infinity", "a: .inf\n", []pos{{1, 4, "yaml", `".inf" is not a finite number`}}, load.DefaultLimits},
		{"not a number", "a: .nan\n", []pos{{1, 4, "yaml", `".nan" is not a finite number`}}, load.DefaultLimits},
		{"too big", "a: !!int 99999999999999999999\n", []pos{{1, 4, "yaml", `"99999999999999999999" is not a whole number that fits in 64 bits`}}, load.DefaultLimits},
		{"alias within budget", "a: &x [1, 2]\nb: *x\n", nil, load.DefaultLimits},
		{"alias over budget", "a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*x, *x, *x, *x, *x]\n",
			[]pos{{2, 17, "yaml", "aliases expand the document to more than 50 values (an alias bomb)"}}, small},
		{"too deep", "a: " + strings.Repeat("[", 120) + strings.Repeat("]", 120) + "\n", []pos{{1, 104, "yaml", "the document is nested too deeply"}},
			load.DefaultLimits},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, fs := load.Parse("f.yaml", []byte(c.data))
			if root == nil {
				t.Fatalf("Parse: %v", fs)
			}
			v, fs := load.Value("f.yaml", root, c.lim)
			samePos(t, "Value", fs, c.want)
			if (v == nil) != (len(c.want) > 0) {
				t.Errorf("value %v with findings %v", v, fs)
			}
		})
	}
}

// TestValueScalarsKeepTheirForm: dates and quoted numbers stay text.
func TestValueScalarsKeepTheirForm(t *testing.T) {
	root, _ := load.Parse("f.yaml", []byte("d: 2026-01-02\nq: '007'\nn: 7\nf: 2199.00\nb: yes\n"))
	v, fs := load.Value("f.yaml", root, load.DefaultLimits)
	if fs != nil {
		t.Fatal(fs)
	}
	got := fmt.Sprintf("%#v", v)
	for _, want := range []string{`"d":"2026-01-02"`, `"q":"007"`, `"n":7`, `"f":2199`, `"b":"yes"`} {
		if !strings.Contains(got, want) {
			t.Errorf("value %s lacks %s", got, want)
		}
	}
}

// TestAliasBombIsFast: the billion laughs finish at once, within the
// budget, at the alias whose expansion ran over.
func TestAliasBombIsFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "%c: &%c [%s*%s]\n", c, c, strings.Repeat("*"+prev+", ", 8), prev)
		prev = string(c)
	}
	root, fs := load.Parse("f.yaml", []byte(b.String()))
	if fs != nil {
		t.Fatal(fs)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, fs = load.Value("f.yaml", root, load.DefaultLimits)
	runtime.ReadMemStats(&after)
	samePos(t, "Value", fs, []pos{{6, 8, "yaml", "aliases expand the document to more than 100000 values (an alias bomb)"}})
	// Expanded in full it would be 9^9 values; stopped at the budget it
	// costs what that many values cost, some hundreds of bytes each.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 500*uint64(load.DefaultLimits.MaxNodes) {
		t.Errorf("the alias bomb allocated %d bytes", alloc)
	}
}

func TestSecrets(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   string
		want   []pos
		secret string
	}{
		{"none", "notes: a password is needed at boot (kept in the vault)\nserial: AKIA12\n", nil, ""},
		{"password field", "id: X\npassword: hunter2\n", []pos{{2, 1, "secret", `field "password" holds a secret; secrets must never be committed to the estate`}}, "hunter2"},
		{"nested secret field", "id: X\nwifi:\n  - ssid: corp\n    Pre-Shared-Key: x\n    client-secret: y\n",
			[]pos{{5, 5, "secret", `field "client-secret" holds a secret; secrets must never be committed to the estate`}}, ""},
		{"BitLocker recovery key", "bitlocker_key: 123456-123456\n", []pos{{1, 1, "secret", `field "bitlocker_key" holds a secret; secrets must never be committed to the estate`}}, "123456-123456"},
		{"private key", "notes: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEow\n", []pos{{2, 3, "secret", "this looks like a private key; secrets must never be committed to the estate"}}, "MIIEow"},
		{"private key in a comment", "id: X\n# -----BEGIN PRIVATE KEY-----\n", []pos{{2, 3, "secret", "this looks like a private key; secrets must never be committed to the estate"}}, ""},
		{"AWS key id", "notes: AKIAIOSFODNN7EXAMPLE\n", []pos{{1, 8, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"}}, "AKIAIOSFODNN7EXAMPLE"},
		{"GitHub token", "notes: x ghp_" + strings.Repeat("a1B2", 9) + "\n", []pos{{1, 10, "secret", "this looks like a GitHub token; secrets must never be committed to the estate"}}, "a1B2a1B2"},
		{"Slack token", "notes: xoxb-1234567890-abcdef\n", []pos{{1, 8, "secret", "this looks like a Slack token; secrets must never be committed to the estate"}}, "1234567890"},
		{"after multi-byte text, CRLF", "notes: café\r\nx: AKIAIOSFODNN7EXAMPLE\r\n", []pos{{2, 4, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, _ := load.Parse("f.yaml", []byte(c.data))
			fs := load.Secrets("f.yaml", []byte(c.data), root)
			samePos(t, "Secrets", fs, c.want)
			for _, f := range fs {
				if c.secret != "" && (strings.Contains(f.Message, c.secret) || strings.Contains(f.Hint, c.secret)) {
					t.Errorf("the secret is echoed: %+v", f)
				}
				if f.Hint == "" {
					t.Errorf("no hint: %+v", f)
				}
			}
		})
	}
	// Without a node (a file that did not parse) the patterns still apply.
	fs := load.Secrets("f.yaml", []byte("a: [\nAKIAIOSFODNN7EXAMPLE"), nil)
	samePos(t, "Secrets without a node", fs, []pos{{2, 1, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"}})
}

func TestLooksSecret(t *testing.T) {
	for s, want := range map[string]bool{
		"AKIAIOSFODNN7EXAMPLE":                  true,
		"-----BEGIN EC PRIVATE KEY-----":        true,
		"xoxp-1234567890-abc":                   true,
		"lt-00042":                              false,
		"AKIA":                                  false,
		"C02XK1ABJG5H":                          false,
		"ghp_short":                             false,
		"github_pat_" + strings.Repeat("x", 40): true,
	} {
		if got := load.LooksSecret(s); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestUnknownKind(t *testing.T) {
	root, _ := load.Parse("f.yaml", []byte("apiVersion: estate/v1\nkind: x\n"))
	n, _ := load.Find(root, "kind")
	all := "kind is one of Asset, Licence, Location, Person, Baseline, ChangePolicy, ChangeRequest, Settings, Problem"
	for kind, hint := range map[string]string{
		"Assets":        `did you mean "Asset"? (` + all + ")",
		"asset":         `did you mean "Asset"? (` + all + ")",
		"License":       `did you mean "Licence"? (` + all + ")",
		"Baselines":     `did you mean "Baseline"? (` + all + ")",
		"ChangeRequst":  `did you mean "ChangeRequest"? (` + all + ")",
		"Monitor":       all,
		"":              all,
		"Laptop":        all,
		"Facts":         "facts are collected from devices (estate facts collect); keep them out of the record folders",
		"AssetAssetAss": all,
	} {
		f := load.UnknownKind("f.yaml", n, kind)
		if f.Hint != hint {
			t.Errorf("UnknownKind(%q) hint %q, want %q", kind, f.Hint, hint)
		}
		if f.Pos != (record.Pos{File: "f.yaml", Line: 2, Col: 7}) || f.Rule != load.RuleUnknown || f.Field != "kind" {
			t.Errorf("UnknownKind(%q) = %+v", kind, f)
		}
	}
	if f := load.UnknownKind("f.yaml", nil, "Assets"); f.Pos.Line != 0 || f.Message != `unknown kind "Assets"` {
		t.Errorf("UnknownKind without a node = %+v", f)
	}
}

func TestClassify(t *testing.T) {
	for p, want := range map[string]load.Place{
		"estate.yaml":                    {Kind: record.KindSettings, ID: "estate"},
		"inventory/laptop/LT-1.yaml":     {Kind: record.KindAsset, Class: "laptop", ID: "LT-1"},
		"inventory/thin-client/TC-1.yml": {Kind: record.KindAsset, Class: "thin-client", ID: "TC-1"},
		"inventory/licences/MS365.yaml":  {Kind: record.KindLicence, ID: "MS365"},
		"inventory/locations/LON.yaml":   {Kind: record.KindLocation, ID: "LON"},
		"policies/baselines/euc.yaml":    {Kind: record.KindBaseline, ID: "euc"},
		"policies/change-control.yaml":   {Kind: record.KindChangePolicy, ID: "change-control"},
		"changes/CR-2026-0001.yaml":      {Kind: record.KindChangeRequest, ID: "CR-2026-0001"},
		"schema/org.cue":                 {},
		"schema/README.md":               {},
		"inventory/README.md":            {},
		"inventory/laptop/.gitkeep":      {},
		"schema/sub/org.cue":             {Problem: "schema files belong directly under schema/, not in subfolders"},
		"inventory/laptop/LT-1.json":     {Problem: "not a record file: records are *.yaml files"},
		"inventory/laptops/LT-1.yaml":    {Problem: "inventory/laptops/ is not a class folder (want one of laptop, desktop, thin-client, monitor, phone, tablet, printer, server, network, peripheral, other, licences, locations, people)"},
		// a prefix sub-folder: whether it is the right one is the layout rule's
		"inventory/laptop/LT/LT-1.yaml":    {Kind: record.KindAsset, Class: "laptop", ID: "LT-1", Folder: "LT"},
		"inventory/licences/MS/MS365.yaml": {Kind: record.KindLicence, ID: "MS365", Folder: "MS"},
		"inventory/locations/LO/LON.yaml":  {Kind: record.KindLocation, ID: "LON", Folder: "LO"},
		"inventory/laptop/a/b/LT-1.yaml":   {Problem: "no record belongs at this path (see the repository layout in the README)"},
		"inventory/laptops/LT/LT-1.yaml":   {Problem: "inventory/laptops/ is not a class folder (want one of laptop, desktop, thin-client, monitor, phone, tablet, printer, server, network, peripheral, other, licences, locations, people)"},
		"inventory/LT-1.yaml":              {Problem: "no record belongs at this path (see the repository layout in the README)"},
		"changes/2026/CR-2026-0001.yaml":   {Problem: "no record belongs at this path (see the repository layout in the README)"},
		"policies/baselines/x/euc.yaml":    {Problem: "no record belongs at this path (see the repository layout in the README)"},
		"policies/other.yaml":              {Problem: "no record belongs at this path (see the repository layout in the README)"},
		"inventory/people/x/a@b.org.yaml":  {Problem: "people records sit directly in inventory/people/ (the layout's prefix folders are for assets, licences and locations)"},
	} {
		if got := load.Classify(p); got != want {
			t.Errorf("Classify(%q) = %+v, want %+v", p, got, want)
		}
	}
}

func TestInside(t *testing.T) {
	for _, c := range []struct {
		link, target, want string
		ok                 bool
	}{
		{"inventory/laptop/A.yaml", "B.yaml", "inventory/laptop/B.yaml", true},
		{"inventory/laptop/A.yaml", "../monitor/B.yaml", "inventory/monitor/B.yaml", true},
		{"inventory/laptop/A.yaml", "../../shared/A.yaml", "shared/A.yaml", true},
		{"inventory/laptop/A.yaml", "../../../A.yaml", "", false},
		{"inventory/laptop/A.yaml", "../../../repo/inventory/laptop/B.yaml", "", false},
		{"inventory/laptop/A.yaml", "/etc/passwd", "", false},
		{"inventory/laptop/A.yaml", "../..", "", false},
		{"inventory/laptop/A.yaml", "", "", false},
		{"estate.yaml", "..", "", false},
		{"inventory/laptop/A.yaml", "./x/../../laptop/B.yaml", "inventory/laptop/B.yaml", true},
	} {
		got, ok := load.Inside(c.link, c.target)
		if got != c.want || ok != c.ok {
			t.Errorf("Inside(%q, %q) = %q, %v; want %q, %v", c.link, c.target, got, ok, c.want, c.ok)
		}
	}
}

// TestDirLinks: links inside the tree are followed (also chains), any
// that leaves it or ends in a folder is refused unread, and a file over
// the limit is refused from its size.
func TestDirLinks(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "repo")
	write := func(p, data string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(p, target string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	write("../outside.yaml", "SECRET")
	write("inventory/laptop/A.yaml", "id: A\n")
	write("inventory/laptop/big.yaml", strings.Repeat("x", 2000))
	write("notes/N.yaml", "id: N\n")
	link("inventory/laptop/in.yaml", "A.yaml")
	link("inventory/laptop/chain.yaml", "in.yaml")
	link("inventory/laptop/notes.yaml", "../../notes/N.yaml")
	link("inventory/laptop/out.yaml", "../../../outside.yaml")
	link("inventory/laptop/abs.yaml", filepath.Join(base, "outside.yaml"))
	link("inventory/laptop/dir.yaml", "../../notes")
	link("inventory/laptop/broken.yaml", "missing.yaml")
	link("inventory/laptop/loop.yaml", "loop2.yaml")
	link("inventory/laptop/loop2.yaml", "loop.yaml")
	link("inventory/desktop", "../notes") // a linked folder is listed as one entry

	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	entries, err := d.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]load.Entry{}
	var paths []string
	for _, e := range entries {
		got[e.Path] = e
		paths = append(paths, e.Path)
	}
	want := map[string]string{ // path -> target or problem
		"inventory/desktop":            "!symbolic link to a directory is not followed",
		"inventory/laptop/A.yaml":      "",
		"inventory/laptop/abs.yaml":    "!symbolic link points outside the repository",
		"inventory/laptop/big.yaml":    "",
		"inventory/laptop/broken.yaml": "!symbolic link is broken",
		"inventory/laptop/chain.yaml":  "inventory/laptop/A.yaml",
		"inventory/laptop/dir.yaml":    "!symbolic link to a directory is not followed",
		"inventory/laptop/in.yaml":     "inventory/laptop/A.yaml",
		"inventory/laptop/loop.yaml":   "!symbolic link chain is too long",
		"inventory/laptop/loop2.yaml":  "!symbolic link chain is too long",
		"inventory/laptop/notes.yaml":  "notes/N.yaml",
		"inventory/laptop/out.yaml":    "!symbolic link points outside the repository",
		"notes/N.yaml":                 "", // outside the record folders: listed to be looked at as a stray record
	}
	if len(entries) != len(want) {
		t.Errorf("entries %v", paths)
	}
	for p, w := range want {
		e, ok := got[p]
		switch {
		case !ok:
			t.Errorf("%s not listed", p)
		case strings.HasPrefix(w, "!"):
			if e.Problem != w[1:] || e.Target != "" {
				t.Errorf("%s: problem %q target %q, want problem %q", p, e.Problem, e.Target, w[1:])
			}
			if b, err := d.ReadFile(e, 1<<20); err == nil || len(b) != 0 {
				t.Errorf("%s was read: %q", p, b)
			}
		case w != "":
			if e.Problem != "" || !e.Link || e.Target != w {
				t.Errorf("%s: %+v, want a link to %s", p, e, w)
			}
		}
	}
	if b, err := d.ReadFile(got["inventory/laptop/chain.yaml"], 1<<20); err != nil || string(b) != "id: A\n" {
		t.Errorf("read through a chain of links: %q, %v", b, err)
	}
	if _, err := d.ReadFile(got["inventory/laptop/big.yaml"], 1000); !errors.Is(err, load.ErrTooLarge) {
		t.Errorf("read of a file over the limit: %v", err)
	}
	// A file that grew after it was listed is still cut at the limit.
	e := got["inventory/laptop/A.yaml"]
	write("inventory/laptop/A.yaml", strings.Repeat("y", 5000))
	if _, err := d.ReadFile(e, 1000); !errors.Is(err, load.ErrTooLarge) {
		t.Errorf("read of a file that grew past the limit: %v", err)
	}
}

// TestBlobID matches git hash-object.
func TestBlobID(t *testing.T) {
	for data, want := range map[string]string{
		"":        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
		"hello\n": "ce013625030ba8dba906f756967f9e9ca394464a",
	} {
		if got := load.BlobID([]byte(data)); got != want {
			t.Errorf("BlobID(%q) = %s, want %s", data, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		`location "AKIAIOSFODNN7EXAMPLE" does not exist`: `location "[a secret, not shown]" does not exist`,
		`duplicate key "xoxb-1234567890-abc"`:            `duplicate key "[a secret, not shown]"`,
		`unknown field "cots"`:                           `unknown field "cots"`,
		"AKIA and ASIA are prefixes":                     "AKIA and ASIA are prefixes",
	} {
		if got := load.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	root, _ := load.Parse("f.yaml", []byte("AKIAIOSFODNN7EXAMPLE: 1\nAKIAIOSFODNN7EXAMPLE: 2\n"))
	_, fs := load.Value("f.yaml", root, load.DefaultLimits)
	samePos(t, "a secret as a duplicate key", fs, []pos{{2, 1, "yaml", `duplicate key "[a secret, not shown]"`}})
}
