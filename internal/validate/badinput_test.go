package validate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
	"github.com/estate-dev/estate/internal/validate"
)

// The bad-input suite: each case adds bad files to a small clean estate
// and asserts the exact findings (file, line, column, rule, message) and
// that every other record was still loaded and validated. Every case runs
// on a working tree (load.OpenDir) and on a git revision (gitrepo.Tree of
// a real repository whose working tree is deleted after the commit, so
// nothing can come from a checkout).

// cleanEstate validates with no findings.
var cleanEstate = map[string]string{
	"estate.yaml":                  "apiVersion: estate/v1\nkind: Settings\nmanaged_classes: [laptop]\n",
	"inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London office\ntype: site\n",
	"policies/baselines/euc-common.yaml": `apiVersion: estate/v1
kind: Baseline
name: euc-common
version: "1.0.0"
controls:
  - id: EUC-001
    title: Disk is encrypted
    severity: critical
    check: {fact: security.disk_encryption, equals: true}
`,
	"changes/CR-2026-0001.yaml": `apiVersion: estate/v1
kind: ChangeRequest
id: CR-2026-0001
title: Exempt LT-00001 from the disk control
type: normal
reason: A supplier appliance.
risk: low
`,
	"inventory/laptop/LT-00001.yaml": `apiVersion: estate/v1
kind: Asset
id: LT-00001
class: laptop
status: deployed
serial: C02XK1ABJG5H
hostname: lt-00001
os: macos
owner: jane.doe@example.org
location: LON
baseline: euc-common
exemptions:
  - control: EUC-001
    reason: supplier appliance
    change: CR-2026-0001
    expires: 2027-03-31
`,
	"inventory/monitor/MN-00001.yaml": "apiVersion: estate/v1\nkind: Asset\nid: MN-00001\nclass: monitor\nstatus: in-stock\nserial: CN0J0K5K\nlocation: LON\n",
}

// marker is in the target of every link that leaves the repository; it
// must never appear in any output.
const marker = "TOP-SECRET-MARKER-7f3a"

// phone returns an in-stock phone record with extra lines appended.
func phone(id string, extra ...string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: phone\nstatus: in-stock\n" + strings.Join(extra, "")
}

// want is one expected finding.
type want struct {
	file      string
	line, col int
	rule      string
	msg       string
}

func (w want) String() string {
	return fmt.Sprintf("%s:%d:%d [%s] %s", w.file, w.line, w.col, w.rule, w.msg)
}

func got(f record.Finding) want {
	return want{f.Pos.File, f.Pos.Line, f.Pos.Col, f.Rule, f.Message}
}

type badCase struct {
	name  string
	files map[string]string // added to cleanEstate
	links map[string]string // symbolic links: path -> target
	// loaded are records (by path) that must be in the estate besides the
	// clean ones; refused are paths that must not be.
	loaded, refused []string
	want            []want
	// secrets must appear in no output (text or json).
	secrets []string
	// hints must each be the hint of some finding.
	hints []string
	// maxAlloc bounds the bytes allocated by the run (0: not checked).
	maxAlloc uint64
}

const ph = "inventory/phone/PH-1.yaml"

func aliasBomb() string {
	var b strings.Builder
	b.WriteString(phone("PH-1"))
	b.WriteString("tags: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		refs := strings.Repeat("*"+prev+", ", 8) + "*" + prev
		fmt.Fprintf(&b, "x%c: &%c [%s]\n", c, c, refs)
		prev = string(c)
	}
	return b.String()
}

var badCases = []badCase{
	{
		name:    "malformed YAML",
		files:   map[string]string{ph: "apiVersion: estate/v1\nkind: Asset\nid: PH-1\n  class: phone\n"},
		refused: []string{ph},
		want:    []want{{ph, 4, 3, "yaml", "invalid YAML: mapping values are not allowed in this context"}},
	},
	{
		name:    "duplicate keys",
		files:   map[string]string{ph: phone("PH-1", "class: phone\n")},
		refused: []string{ph},
		want:    []want{{ph, 6, 1, "yaml", `duplicate key "class"`}},
	},
	{
		name:     "alias bomb",
		files:    map[string]string{ph: aliasBomb()},
		refused:  []string{ph},
		want:     []want{{ph, 11, 9, "yaml", "aliases expand the document to more than 100000 values (an alias bomb)"}},
		maxAlloc: 64 << 20,
	},
	// The 50 MB file: TestBadInputLargeFileUnread, TestBadInputGitLargeBlob.
	{
		name:    "non-UTF-8 bytes",
		files:   map[string]string{ph: phone("PH-1", "notes: caf\xe9 au lait\n")},
		refused: []string{ph},
		want:    []want{{ph, 6, 11, "yaml", "the file is not valid UTF-8"}},
	},
	{
		name:    "two documents in one file",
		files:   map[string]string{ph: phone("PH-1", "---\n", phone("PH-2"))},
		refused: []string{ph},
		want:    []want{{ph, 6, 1, "yaml", "the file holds more than one YAML document"}},
	},
	{
		name:    "symlink out of the repository (relative)",
		links:   map[string]string{ph: "../../../outside/secret.yaml"},
		refused: []string{ph},
		want:    []want{{ph, 0, 0, "file", "symbolic link points outside the repository; it was not read"}},
		secrets: []string{marker},
	},
	{
		name:    "symlink out of the repository (absolute)",
		links:   map[string]string{ph: "ABSOLUTE-OUTSIDE"},
		refused: []string{ph},
		want:    []want{{ph, 0, 0, "file", "symbolic link points outside the repository; it was not read"}},
		secrets: []string{marker},
	},
	{
		name:   "symlink inside the repository is followed",
		files:  map[string]string{"shared/PH-1.yaml": phone("PH-1", "serial: SN-PH-1\n")},
		links:  map[string]string{ph: "../../shared/PH-1.yaml"},
		loaded: []string{ph},
	},
	{
		name:  "symlink to a directory",
		links: map[string]string{ph: "../monitor"},
		// the link is listed as a file (git and a walk do not descend into
		// a linked folder), refused, and the folder it points to is
		// validated once, in its own place
		refused: []string{ph},
		want:    []want{{ph, 0, 0, "file", "symbolic link to a directory is not followed; it was not read"}},
	},
	{
		name:    "an id that is a path",
		files:   map[string]string{ph: phone("../../etc/passwd")},
		refused: []string{},
		loaded:  []string{ph},
		want:    []want{{ph, 3, 5, "schema", `id: "../../etc/passwd" does not match the pattern "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"`}},
	},
	{
		name:    "unknown kind",
		files:   map[string]string{ph: "apiVersion: estate/v1\nkind: Assets\nid: PH-1\nclass: phone\nstatus: in-stock\n"},
		refused: []string{ph},
		want:    []want{{ph, 2, 7, "kind", `unknown kind "Assets"`}},
	},
	{
		name:   "asset in the folder of another class",
		files:  map[string]string{ph: "apiVersion: estate/v1\nkind: Asset\nid: PH-1\nclass: laptop\nstatus: in-stock\n"},
		loaded: []string{ph},
		want:   []want{{ph, 4, 8, "layout", "a laptop is filed under inventory/phone/"}},
		hints:  []string{"move it to inventory/laptop/"},
	},
	{
		name:   "record of another kind in an asset folder",
		files:  map[string]string{ph: "apiVersion: estate/v1\nkind: Licence\nid: PH-1\nproduct: Office\nseats: 3\n"},
		loaded: []string{ph},
		want:   []want{{ph, 2, 7, "layout", "a Licence record does not belong here: this folder holds Asset records"}},
	},
	{
		name:   "asset in a licence folder",
		files:  map[string]string{"inventory/licences/PH-1.yaml": phone("PH-1")},
		loaded: []string{"inventory/licences/PH-1.yaml"},
		want: []want{{"inventory/licences/PH-1.yaml", 2, 7, "layout",
			"an Asset record does not belong here: this folder holds Licence records"}},
	},
	{
		name: "private key block",
		files: map[string]string{ph: phone("PH-1", "notes: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n",
			"  b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n  -----END OPENSSH PRIVATE KEY-----\n")},
		loaded:  []string{ph},
		want:    []want{{ph, 7, 3, "secret", "this looks like a private key; secrets must never be committed to the estate"}},
		secrets: []string{"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"},
	},
	{
		name:    "password field",
		files:   map[string]string{ph: phone("PH-1", "password: hunter2-correct-horse\n")},
		loaded:  []string{ph},
		secrets: []string{"hunter2-correct-horse"},
		want: []want{
			{ph, 6, 1, "schema", `unknown field "password"`},
			{ph, 6, 1, "secret", `field "password" holds a secret; secrets must never be committed to the estate`},
		},
	},
	{
		name:    "AWS access key id in a note",
		files:   map[string]string{ph: phone("PH-1", "notes: key AKIAIOSFODNN7EXAMPLE for the MDM\n")},
		loaded:  []string{ph},
		secrets: []string{"AKIAIOSFODNN7EXAMPLE"},
		want:    []want{{ph, 6, 12, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"}},
	},
	{
		// The schema also rejects the value (upper case in a hostname):
		// its message must not repeat the secret either.
		name:    "AWS access key id in a field the schema checks",
		files:   map[string]string{ph: phone("PH-1", "hostname: AKIAIOSFODNN7EXAMPLE\n")},
		loaded:  []string{ph},
		secrets: []string{"AKIAIOSFODNN7EXAMPLE"},
		want: []want{
			{ph, 6, 11, "schema", `hostname: the value (not shown: it looks like a secret) does not match the pattern "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"`},
			{ph, 6, 11, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"},
		},
	},
	{
		// The schema's id pattern lets an AWS key id through; the message
		// about the missing location must not repeat it.
		name:    "AWS access key id where an id belongs",
		files:   map[string]string{ph: phone("PH-1", "location: AKIAIOSFODNN7EXAMPLE\n")},
		loaded:  []string{ph},
		secrets: []string{"AKIAIOSFODNN7EXAMPLE"},
		want: []want{
			{ph, 6, 11, "reference", `location "[a secret, not shown]" does not exist`},
			{ph, 6, 11, "secret", "this looks like an AWS access key; secrets must never be committed to the estate"},
		},
	},
	{
		name:    "a GitHub token as a key",
		files:   map[string]string{ph: phone("PH-1", "ghp_0123456789abcdefghijABCDEFGHIJ0123456789: x\n")},
		loaded:  []string{ph},
		secrets: []string{"0123456789abcdefghij"},
		want: []want{
			{ph, 6, 1, "schema", `unknown field "[a secret, not shown]"`},
			{ph, 6, 1, "secret", "this looks like a GitHub token; secrets must never be committed to the estate"},
		},
	},
	{
		name:    "empty file",
		files:   map[string]string{ph: ""},
		refused: []string{ph},
		want:    []want{{ph, 1, 1, "yaml", "the file holds no YAML document"}},
	},
	{
		name:   "byte order mark",
		files:  map[string]string{ph: "\ufeffapiVersion: estate/v2\nkind: Asset\nid: PH-1\nclass: phone\nstatus: in-stok\n"},
		loaded: []string{ph},
		hints:  []string{`it must be "estate/v1"`},
		want: []want{
			{ph, 1, 13, "schema", `apiVersion: "estate/v2" is not allowed`},
			{ph, 5, 9, "schema", `status: "in-stok" is not allowed`},
		},
	},
	{
		name:    "byte order mark and a bad byte on the first line",
		files:   map[string]string{ph: "\ufeffapiVersion: estate/v1 \xff\nkind: Asset\n"},
		refused: []string{ph},
		want:    []want{{ph, 1, 23, "yaml", "the file is not valid UTF-8"}},
	},
	{
		name:   "CRLF line endings",
		files:  map[string]string{ph: "apiVersion: estate/v1\r\nkind: Asset\r\nid: PH-1\r\nclass: phone\r\nstatus: in-stok\r\nserial: SN-1\r\n"},
		loaded: []string{ph},
		want:   []want{{ph, 5, 9, "schema", `status: "in-stok" is not allowed`}},
	},
	{
		name:    "CRLF line endings and a duplicate key",
		files:   map[string]string{ph: "apiVersion: estate/v1\r\nkind: Asset\r\nid: PH-1\r\nclass: phone\r\nstatus: in-stock\r\n  \r\nid: PH-2\r\n"},
		refused: []string{ph},
		want:    []want{{ph, 7, 1, "yaml", `duplicate key "id"`}},
	},
	{
		name:    "a control character",
		files:   map[string]string{ph: phone("PH-1", "notes: pasted\x1b[0m from a terminal\n")},
		refused: []string{ph},
		want:    []want{{ph, 6, 14, "yaml", "invalid YAML: control characters are not allowed"}},
	},
	{
		name:   "a typo of a nested field",
		files:  map[string]string{ph: phone("PH-1", "purchase:\n  cots: 120.50\n  currency: GBP\n")},
		loaded: []string{ph},
		want:   []want{{ph, 7, 3, "schema", `unknown field "cots"`}},
		hints:  []string{`did you mean "cost"?`},
	},
	{
		name:   "a typo in a list element",
		files:  map[string]string{ph: phone("PH-1", "exemptions:\n  - control: EUC-001\n    reason: r\n    chnage: CR-2026-0001\n    expires: 2027-01-01\n")},
		loaded: []string{ph},
		want: []want{
			{ph, 7, 5, "schema", `missing required field "change" in exemptions.0`},
			{ph, 9, 5, "schema", `unknown field "chnage"`},
		},
		hints: []string{`did you mean "change"?`},
	},
	{
		name:   "a bad value under an optional field",
		files:  map[string]string{ph: phone("PH-1", "disposal: {date: 2026-01-02, method: shredded}\n")},
		loaded: []string{ph},
		want: []want{
			{ph, 6, 1, "lifecycle", "the asset has a disposal record but its status is in-stock"},
			{ph, 6, 38, "schema", `disposal.method: "shredded" is not allowed`},
		},
		hints: []string{`one of: "recycled", "resold", "destroyed", "returned", "donated"`},
	},
	{
		// keys CUE must quote: a dot, a space, empty, a number
		name:   "odd keys",
		files:  map[string]string{ph: phone("PH-1", "\"purchase.cost\": 1\n\"\": 2\n\"0\": 3\npurchase:\n  \"a.b\": 1\n  x y: 2\n")},
		loaded: []string{ph},
		want: []want{
			{ph, 6, 1, "schema", `unknown field "purchase.cost"`},
			{ph, 7, 1, "schema", `unknown field ""`},
			{ph, 8, 1, "schema", `unknown field "0"`},
			{ph, 10, 3, "schema", `unknown field "a.b"`},
			{ph, 11, 3, "schema", `unknown field "x y"`},
		},
	},
	{
		name:    "a file that is not YAML",
		files:   map[string]string{"inventory/phone/PH-1.json": `{"id": "PH-1"}`},
		refused: []string{"inventory/phone/PH-1.json"},
		want:    []want{{"inventory/phone/PH-1.json", 0, 0, "layout", "not a record file: records are *.yaml files"}},
	},
}

// schemaOnce compiles the built-in schema once for the whole suite.
var schemaOnce = sync.OnceValues(func() (*schema.Schema, error) { return schema.New(nil) })

// recordingTree wraps a tree and remembers every ReadFile: what was
// asked for and how many bytes came back.
type recordingTree struct {
	load.Tree
	mu    sync.Mutex
	reads map[string]int // entry path -> bytes returned
	asked []load.Entry
}

func (r *recordingTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	b, err := r.Tree.ReadFile(e, max)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reads == nil {
		r.reads = map[string]int{}
	}
	r.reads[e.Path] += len(b)
	r.asked = append(r.asked, e)
	return b, err
}

// writeEstate writes files and links under dir; a link target
// "ABSOLUTE-OUTSIDE" becomes the absolute path of outside/secret.yaml.
func writeEstate(t *testing.T, dir string, files, links map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range links {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target == "ABSOLUTE-OUTSIDE" {
			target = filepath.Join(filepath.Dir(dir), "outside", "secret.yaml")
		}
		if err := os.Symlink(filepath.FromSlash(target), full); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
}

// newEstateDir makes <tmp>/outside/secret.yaml (holding the marker) and
// the estate in <tmp>/repo; it returns the estate's directory.
func newEstateDir(t *testing.T, files, links map[string]string) string {
	t.Helper()
	base := t.TempDir()
	if err := os.MkdirAll(filepath.Join(base, "outside"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := "apiVersion: estate/v1\nkind: Asset\nid: PH-1\nclass: phone\nstatus: in-stock\nnotes: " + marker + "\n"
	if err := os.WriteFile(filepath.Join(base, "outside", "secret.yaml"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "repo")
	all := map[string]string{}
	for p, d := range cleanEstate {
		all[p] = d
	}
	for p, d := range files {
		all[p] = d
	}
	writeEstate(t, dir, all, links)
	return dir
}

// commitAll commits everything under dir to a new git repository (links
// as links) and then deletes the working tree's files, so that a test of
// the revision cannot read a checkout.
func commitAll(t *testing.T, dir string, removeWorktree bool) *gitrepo.Repo {
	t.Helper()
	wt := gittest.Init(t, dir)
	wt.AddAll()
	wt.Commit("the estate", gittest.CommitOptions{Author: gittest.Signature{Name: "Tester", Email: "t@example.org", When: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}})
	if removeWorktree {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() != ".git" {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

type treeKind string

const (
	workingTree treeKind = "working tree"
	gitRevision treeKind = "git revision"
)

// openTree returns the estate as a tree of the kind asked for.
func openTree(t *testing.T, kind treeKind, files, links map[string]string) load.Tree {
	t.Helper()
	dir := newEstateDir(t, files, links)
	if kind == workingTree {
		d, err := load.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	repo := commitAll(t, dir, true)
	tree, err := repo.Tree("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// runTree validates tree and returns the result and the bytes the run
// allocated.
func runTree(t *testing.T, tree load.Tree) (*validate.Result, uint64) {
	t.Helper()
	sch, err := schemaOnce()
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := validate.Run(context.Background(), validate.Options{Tree: tree, Schema: sch,
		Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("validate.Run: %v", err)
	}
	return res, after.TotalAlloc - before.TotalAlloc
}

func TestBadInput(t *testing.T) {
	for _, kind := range []treeKind{workingTree, gitRevision} {
		for _, c := range badCases {
			t.Run(string(kind)+"/"+c.name, func(t *testing.T) {
				tree := &recordingTree{Tree: openTree(t, kind, c.files, c.links)}
				res, alloc := runTree(t, tree)
				checkFindings(t, res.Findings, c.want)
				checkLoaded(t, res, c)
				checkReads(t, tree, c)
				checkNoSecrets(t, res.Findings, c.secrets)
				checkHints(t, res.Findings, c.hints)
				if c.maxAlloc > 0 && alloc > c.maxAlloc {
					t.Errorf("the run allocated %d MiB, want at most %d MiB", alloc>>20, c.maxAlloc>>20)
				}
			})
		}
	}
}

// TestBadInputAllAtOnce puts every bad file of the suite in one estate
// (one file per case, each in its own class folder): one run reports the
// union of the findings, so no bad file hides another.
func TestBadInputAllAtOnce(t *testing.T) {
	for _, kind := range []treeKind{workingTree, gitRevision} {
		t.Run(string(kind), func(t *testing.T) {
			files, links := map[string]string{}, map[string]string{}
			var wants []want
			var loaded, refused []string
			n := 0
			for _, c := range badCases {
				n++
				rename := func(p string) string {
					if p == ph {
						return fmt.Sprintf("inventory/phone/PH-%d.yaml", n)
					}
					if strings.HasPrefix(p, "inventory/phone/") || strings.HasPrefix(p, "inventory/licences/") || strings.HasPrefix(p, "shared/") {
						return strings.Replace(p, "PH-1", fmt.Sprintf("PH-%d", n), 1)
					}
					return p
				}
				id := func(s string) string { return strings.ReplaceAll(s, "PH-1", fmt.Sprintf("PH-%d", n)) }
				for p, d := range c.files {
					files[rename(p)] = id(d)
				}
				for p, target := range c.links {
					links[rename(p)] = id(target)
				}
				for _, w := range c.want {
					w.file = rename(w.file)
					wants = append(wants, w)
				}
				for _, p := range c.loaded {
					loaded = append(loaded, rename(p))
				}
				for _, p := range c.refused {
					refused = append(refused, rename(p))
				}
			}
			res, _ := runTree(t, openTree(t, kind, files, links))
			sort.Slice(wants, func(i, j int) bool { return wants[i].String() < wants[j].String() })
			checkFindings(t, res.Findings, wants)
			checkLoaded(t, res, badCase{loaded: loaded, refused: refused})
		})
	}
}

func checkFindings(t *testing.T, fs []record.Finding, wants []want) {
	t.Helper()
	var gotS, wantS []string
	for _, f := range fs {
		gotS = append(gotS, got(f).String())
	}
	for _, w := range wants {
		wantS = append(wantS, w.String())
	}
	sort.Strings(gotS)
	sort.Strings(wantS)
	if strings.Join(gotS, "\n") != strings.Join(wantS, "\n") {
		t.Errorf("findings:\n  got:\n    %s\n  want:\n    %s", strings.Join(gotS, "\n    "), strings.Join(wantS, "\n    "))
	}
	for _, f := range fs {
		if f.Pos.File == "" || f.Message == "" || f.Rule == "" {
			t.Errorf("finding without file, message or rule: %+v", f)
		}
	}
}

func checkHints(t *testing.T, fs []record.Finding, hints []string) {
	t.Helper()
	have := map[string]bool{}
	for _, f := range fs {
		have[f.Hint] = true
	}
	for _, h := range hints {
		if !have[h] {
			t.Errorf("no finding has the hint %q", h)
		}
	}
}

// checkLoaded: every clean record and every record the case loads is in
// the estate, and no refused one is.
func checkLoaded(t *testing.T, res *validate.Result, c badCase) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range res.Estate.Records {
		have[r.Path] = true
	}
	for p := range cleanEstate {
		if !have[p] {
			t.Errorf("the clean record %s was not loaded", p)
		}
	}
	for _, p := range c.loaded {
		if !have[p] {
			t.Errorf("%s was not loaded", p)
		}
	}
	for _, p := range c.refused {
		if have[p] {
			t.Errorf("%s was loaded, want it refused", p)
		}
	}
	if want := len(cleanEstate) + len(c.loaded) + len(c.refused); res.Files < want-len(c.refused) {
		t.Errorf("%d record files, want at least %d", res.Files, want)
	}
}

// checkReads: nothing outside the listed entries was read, no path that
// leaves the repository was asked for, and a refused link or an oversize
// file gave no bytes.
func checkReads(t *testing.T, tree *recordingTree, c badCase) {
	t.Helper()
	for _, e := range tree.asked {
		for _, p := range []string{e.Path, e.Target} {
			if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, "passwd") {
				t.Errorf("read asked for %q", p)
			}
		}
	}
	for _, w := range c.want {
		if w.rule == "file" && tree.reads[w.file] != 0 {
			t.Errorf("%s: %d bytes were read, want none", w.file, tree.reads[w.file])
		}
	}
}

// checkNoSecrets renders the findings as text and JSON and looks for each
// secret (and the marker of the outside file) in them.
func checkNoSecrets(t *testing.T, fs []record.Finding, secrets []string) {
	t.Helper()
	for _, format := range []string{"text", "json", "github", "sarif"} {
		var buf bytes.Buffer
		rep := output.Report{Tool: "validate", Version: "test", Findings: fs, FailOn: record.SevLow,
			Summary: map[string]int{"records": 1}}
		if err := output.Write(&buf, format, rep, output.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, s := range append([]string{marker}, secrets...) {
			if strings.Contains(buf.String(), s) {
				t.Errorf("%s output repeats %q:\n%s", format, s, buf.String())
			}
		}
	}
}

// TestBadInputLargeFileUnread: a 50 MB record is refused from its size:
// not a byte of it is read (the tree hands back nothing, the run allocates
// far less than the file), and it takes no longer than a clean run.
func TestBadInputLargeFileUnread(t *testing.T) {
	dir := newEstateDir(t, nil, nil)
	big := filepath.Join(dir, "inventory", "phone", "PH-1.yaml")
	if err := os.MkdirAll(filepath.Dir(big), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), 5<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tree := &recordingTree{Tree: d}
	res, alloc := runTree(t, tree)
	checkFindings(t, res.Findings, []want{{"inventory/phone/PH-1.yaml", 0, 0, "file",
		"the file is too large to be a record (52428800 bytes, the limit is 1048576); it was not read"}})
	if n := tree.reads["inventory/phone/PH-1.yaml"]; n != 0 {
		t.Errorf("%d bytes of the large file were read", n)
	}
	if alloc > 25<<20 {
		t.Errorf("the run allocated %d MiB: the 50 MiB file was read", alloc>>20)
	}
	_, err = d.ReadFile(load.Entry{Path: "inventory/phone/PH-1.yaml", Size: 50 << 20}, load.DefaultLimits.MaxFileBytes)
	if !errors.Is(err, load.ErrTooLarge) {
		t.Errorf("ReadFile of the large file: %v, want ErrTooLarge", err)
	}
}

// TestBadInputGitLargeBlob: the same for a 50 MB blob in a git revision:
// it is refused from the size in the object header.
func TestBadInputGitLargeBlob(t *testing.T) {
	if testing.Short() {
		t.Skip("commits a 50 MB blob")
	}
	dir := newEstateDir(t, map[string]string{ph: string(bytes.Repeat([]byte("# padding\n"), 5<<20))}, nil)
	repo := commitAll(t, dir, true)
	tree, err := repo.Tree("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingTree{Tree: tree}
	res, alloc := runTree(t, rec)
	checkFindings(t, res.Findings, []want{{ph, 0, 0, "file",
		"the file is too large to be a record (52428800 bytes, the limit is 1048576); it was not read"}})
	if n := rec.reads[ph]; n != 0 {
		t.Errorf("%d bytes of the large blob were returned", n)
	}
	if alloc > 25<<20 {
		t.Errorf("the run allocated %d MiB: the blob was inflated before its size was checked", alloc>>20)
	}
}

// TestBadInputUnknownKindHint: a near miss of a kind gets a did-you-mean.
func TestBadInputUnknownKindHint(t *testing.T) {
	tree := openTree(t, workingTree, map[string]string{ph: "apiVersion: estate/v1\nkind: Assets\nid: PH-1\nclass: phone\nstatus: in-stock\n"}, nil)
	res, _ := runTree(t, tree)
	if len(res.Findings) != 1 {
		t.Fatalf("findings: %v", res.Findings)
	}
	if h := res.Findings[0].Hint; !strings.Contains(h, `did you mean "Asset"?`) {
		t.Errorf(`hint %q, want a did-you-mean "Asset"`, h)
	}
}

// TestBadInputTopLevelLinkOut: a top-level folder or file of the estate
// (changes/, estate.yaml) that is a link out of the repository is a finding
// like any other link out; the rest of the estate is still validated.
func TestBadInputTopLevelLinkOut(t *testing.T) {
	for _, kind := range []treeKind{workingTree, gitRevision} {
		t.Run(string(kind), func(t *testing.T) {
			dir := newEstateDir(t, nil, nil)
			if err := os.RemoveAll(filepath.Join(dir, "changes")); err != nil {
				t.Fatal(err)
			}
			writeEstate(t, dir, nil, map[string]string{"changes": "../outside"})
			var tree load.Tree
			if kind == workingTree {
				d, err := load.OpenDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				tree = d
			} else {
				repo := commitAll(t, dir, true)
				tr, err := repo.Tree("HEAD")
				if err != nil {
					t.Fatal(err)
				}
				tree = tr
			}
			sch, err := schemaOnce()
			if err != nil {
				t.Fatal(err)
			}
			res, err := validate.Run(context.Background(), validate.Options{Tree: tree, Schema: sch,
				Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
			if err != nil {
				if strings.Contains(err.Error(), marker) {
					t.Errorf("the error repeats the marker: %v", err)
				}
				t.Fatalf("a top-level link out of the repository fails the run instead of being reported: %v", err)
			}
			checkFindings(t, res.Findings, []want{
				{"changes", 0, 0, "file", "symbolic link points outside the repository; it was not read"},
				{"inventory/laptop/LT-00001.yaml", 15, 13, "reference", `change request "CR-2026-0001" does not exist`},
			})
			checkNoSecrets(t, res.Findings, nil)
			if res.Estate.Assets["MN-00001"] == nil {
				t.Errorf("the rest of the estate was not loaded")
			}
		})
	}
}

// memTree is an estate in memory.
type memTree map[string][]byte

func (m memTree) Name() string { return "memory" }

func (m memTree) Entries(context.Context) ([]load.Entry, error) {
	var out []load.Entry
	for p, d := range m {
		out = append(out, load.Entry{Path: p, Size: int64(len(d))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (m memTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	d, ok := m[e.Path]
	if !ok {
		return nil, os.ErrNotExist
	}
	if max > 0 && int64(len(d)) > max {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", load.ErrTooLarge, len(d), max)
	}
	return d, nil
}

// FuzzValidateFile puts arbitrary bytes in one record file of a clean
// estate and runs every layer (YAML, schema, rules): the run never fails or
// panics, every finding about the file has a position inside it, and the
// rest of the estate is still loaded.
func FuzzValidateFile(f *testing.F) {
	for _, c := range badCases {
		for p, d := range c.files {
			if p == ph {
				f.Add([]byte(d))
			}
		}
	}
	for _, d := range cleanEstate {
		f.Add([]byte(d))
	}
	sch, err := schemaOnce()
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := memTree{ph: data}
		for p, d := range cleanEstate {
			tree[p] = []byte(d)
		}
		res, err := validate.Run(context.Background(), validate.Options{Tree: tree, Schema: sch, Workers: 1, Now: now})
		if err != nil {
			t.Fatalf("validate.Run: %v", err)
		}
		lines := 1 + bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'})
		for _, x := range res.Findings {
			if x.Message == "" || x.Rule == "" {
				t.Fatalf("finding without message or rule: %+v", x)
			}
			if x.Pos.File != ph || x.Rule == load.RuleFile {
				// a rule finding on a clean record (a duplicate id, say), or
				// a file refused unread (too large): no line
				continue
			}
			if x.Pos.Line < 1 || x.Pos.Line > lines+1 || x.Pos.Col < 0 {
				t.Fatalf("finding outside the file (%d lines): %+v", lines, x)
			}
		}
		have := map[string]bool{}
		for _, r := range res.Estate.Records {
			have[r.Path] = true
		}
		for p := range cleanEstate {
			if !have[p] {
				t.Fatalf("%s was not loaded", p)
			}
		}
	})
}

// TestBadInputHiddenFolder: a record put away in a hidden folder
// (inventory/laptop/.old/) is not a record, and says so, on a working
// tree as on a revision: the two agree, and nothing is skipped silently.
func TestBadInputHiddenFolder(t *testing.T) {
	files := map[string]string{
		"inventory/laptop/.old/LT-00009.yaml": cleanEstate["inventory/laptop/LT-00001.yaml"],
		"inventory/.trash/MN-00009.yaml":      cleanEstate["inventory/monitor/MN-00001.yaml"],
	}
	wants := []want{
		{"inventory/.trash/MN-00009.yaml", 0, 0, "layout", "inventory/.trash/ is not a class folder (want one of laptop, desktop, thin-client, monitor, phone, tablet, printer, server, network, peripheral, other, licences, locations, people)"},
		{"inventory/laptop/.old/LT-00009.yaml", 0, 0, "layout", "no record belongs at this path (see the repository layout in the README)"},
	}
	res, _ := runTree(t, openTree(t, gitRevision, files, nil))
	checkFindings(t, res.Findings, wants)
	res, _ = runTree(t, openTree(t, workingTree, files, nil))
	checkFindings(t, res.Findings, wants)
}

// TestBadInputFIFO: a named pipe where a record belongs (or a link to one)
// is refused from its type and never opened: opening it would block.
func TestBadInputFIFO(t *testing.T) {
	mkfifo, err := exec.LookPath("mkfifo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mkfifo is not installed")
		}
		t.Skip("mkfifo is not installed")
	}
	dir := newEstateDir(t, nil, map[string]string{"inventory/phone/PH-2.yaml": "PH-1.yaml"})
	if out, err := exec.Command(mkfifo, filepath.Join(dir, "inventory", "phone", "PH-1.yaml")).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v: %s", err, out)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sch, err := schemaOnce()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *validate.Result, 1)
	go func() {
		res, err := validate.Run(context.Background(), validate.Options{Tree: d, Schema: sch})
		if err != nil {
			t.Errorf("validate.Run: %v", err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		if res == nil {
			return
		}
		checkFindings(t, res.Findings, []want{
			{ph, 0, 0, "file", "not a regular file (a named pipe, socket, device or submodule); it was not read"},
			{"inventory/phone/PH-2.yaml", 0, 0, "file", "symbolic link to something that is not a file; it was not read"},
		})
	case <-time.After(20 * time.Second):
		t.Fatal("validation blocked on a named pipe")
	}
}
