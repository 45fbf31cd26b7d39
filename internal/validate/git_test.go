package validate_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/validate"
)

// Tests of validation over git: a revision read without a checkout, only
// the files changed since a revision checked (the cross-record rules still
// see the whole estate), and the cache of results by blob id.

// gitEstate is a working tree with a git repository holding cleanEstate
// in its first commit.
type gitEstate struct {
	t    *testing.T
	dir  string
	repo *gitrepo.Repo
	wt   *gittest.Repo
	n    int
}

func newGitEstate(t *testing.T) *gitEstate {
	t.Helper()
	dir := newEstateDir(t, nil, nil)
	repo := commitAll(t, dir, false)
	return &gitEstate{t: t, dir: dir, repo: repo, wt: gittest.Open(t, dir), n: 1}
}

func (g *gitEstate) write(files map[string]string) {
	g.t.Helper()
	writeEstate(g.t, g.dir, files, nil)
}

func (g *gitEstate) remove(p string) {
	g.t.Helper()
	if err := os.Remove(filepath.Join(g.dir, filepath.FromSlash(p))); err != nil {
		g.t.Fatal(err)
	}
}

// commit commits every change of the working tree and returns its hash.
func (g *gitEstate) commit(msg string) string {
	g.t.Helper()
	g.wt.AddAll()
	g.n++
	when := time.Date(2026, 11, 20, 10, g.n, 0, 0, time.UTC)
	return g.wt.Commit(msg, gittest.CommitOptions{Author: gittest.Signature{Name: "Tester", Email: "t@example.org", When: when}, All: true})
}

func (g *gitEstate) tree(rev string) load.Tree {
	g.t.Helper()
	tree, err := g.repo.Tree(rev)
	if err != nil {
		g.t.Fatal(err)
	}
	return tree
}

func (g *gitEstate) dirTree() *load.Dir {
	g.t.Helper()
	d, err := load.OpenDir(g.dir)
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { d.Close() })
	return d
}

func run(t *testing.T, opts validate.Options) *validate.Result {
	t.Helper()
	sch, err := schemaOnce()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Schema == nil {
		opts.Schema = sch
	}
	opts.Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	res, err := validate.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("validate.Run: %v", err)
	}
	return res
}

const lt2 = "inventory/laptop/LT-00002.yaml"

// laptop2 is a second laptop, valid on its own.
func laptop2(serial, status string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: LT-00002\nclass: laptop\nstatus: " + status +
		"\nserial: " + serial + "\nlocation: LON\n"
}

// TestGitRevisionWithoutCheckout: each revision is validated as it was
// committed, whatever the working tree holds, and the working tree as it
// is on disk.
func TestGitRevisionWithoutCheckout(t *testing.T) {
	g := newGitEstate(t)
	g.write(map[string]string{lt2: laptop2("SN-2", "in-stok")})
	g.commit("a second laptop, misspelt status")
	g.write(map[string]string{lt2: laptop2("SN-2", "in-stock"), "inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: sight\n"})

	checkFindings(t, run(t, validate.Options{Tree: g.tree("HEAD~1")}).Findings, nil)
	checkFindings(t, run(t, validate.Options{Tree: g.tree("HEAD")}).Findings,
		[]want{{lt2, 5, 9, "schema", `status: "in-stok" is not allowed`}})
	checkFindings(t, run(t, validate.Options{Tree: g.dirTree()}).Findings,
		[]want{{"inventory/locations/LON.yaml", 5, 7, "schema", `type: "sight" is not allowed`}})

	// A revision's blobs come from git: the working tree can go.
	for _, top := range []string{"inventory", "policies", "changes", "estate.yaml"} {
		if err := os.RemoveAll(filepath.Join(g.dir, top)); err != nil {
			t.Fatal(err)
		}
	}
	res := run(t, validate.Options{Tree: g.tree("HEAD")})
	checkFindings(t, res.Findings, []want{{lt2, 5, 9, "schema", `status: "in-stok" is not allowed`}})
	if res.Files != len(cleanEstate)+1 || res.Estate.Assets["LT-00002"] == nil {
		t.Errorf("HEAD: %d files, LT-00002 loaded: %v", res.Files, res.Estate.Assets["LT-00002"] != nil)
	}
}

// changedSince selects what the CLI's --changed-since selects: files whose
// blob differs from the base revision's (or that it does not have).
func changedSince(t *testing.T, base load.Tree) func(path, blob string) bool {
	t.Helper()
	entries, err := base.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	blobs := map[string]string{}
	for _, e := range entries {
		blobs[e.Path] = e.Blob
	}
	return func(path, blob string) bool { return blobs[path] != blob }
}

// TestChangedSince: only the changed file goes through the YAML and
// schema layers, yet a duplicate serial it introduces against an unchanged
// file is reported, on a working tree and on a revision.
func TestChangedSince(t *testing.T) {
	g := newGitEstate(t)
	base := g.tree("HEAD")
	// LT-00001 (unchanged) has serial C02XK1ABJG5H; the new laptop repeats
	// it, and an unchanged, invalid file is not re-checked.
	g.write(map[string]string{lt2: laptop2("c02xk1abjg5h", "in-stock")})
	head := g.commit("a second laptop with the serial of the first")

	dupe := want{lt2, 6, 9, "unique-serial", `serial "c02xk1abjg5h" is also the serial of LT-00001 (inventory/laptop/LT-00001.yaml)`}
	for name, tree := range map[string]load.Tree{"working tree": g.dirTree(), "revision": g.tree(head)} {
		t.Run(name, func(t *testing.T) {
			res := run(t, validate.Options{Tree: tree, Select: changedSince(t, base)})
			if res.Checked != 1 || res.Files != len(cleanEstate)+1 {
				t.Errorf("checked %d of %d files, want 1 of %d", res.Checked, res.Files, len(cleanEstate)+1)
			}
			checkFindings(t, res.Findings, []want{dupe})
		})
	}

	// A cross-record problem in the other direction: the change edits the
	// location away, and the unchanged laptops that name it are reported.
	g.remove("inventory/locations/LON.yaml")
	g.commit("remove the office")
	res := run(t, validate.Options{Tree: g.tree("HEAD"), Select: changedSince(t, g.tree("HEAD~1"))})
	if res.Checked != 0 {
		t.Errorf("checked %d files, want 0 (the change only removes one)", res.Checked)
	}
	missing := func(file string, line int) want {
		return want{file, line, 11, "reference", `location "LON" does not exist`}
	}
	checkFindings(t, res.Findings, []want{dupe, missing("inventory/laptop/LT-00001.yaml", 10),
		missing(lt2, 7), missing("inventory/monitor/MN-00001.yaml", 7)})
}

// TestChangedSinceSkipsUnchangedProblems: a schema problem in a file the
// change does not touch is not reported by --changed-since (it is not
// checked), and the answer does not depend on what the cache holds.
func TestChangedSinceSkipsUnchangedProblems(t *testing.T) {
	g := newGitEstate(t)
	g.write(map[string]string{"inventory/monitor/MN-00002.yaml": "apiVersion: estate/v1\nkind: Asset\nid: MN-00002\nclass: monitor\nstatus: in-stok\n"})
	g.commit("a monitor with a misspelt status")
	base := g.tree("HEAD")
	g.write(map[string]string{lt2: laptop2("SN-2", "in-stock")})
	g.commit("a second laptop")

	noCache := run(t, validate.Options{Tree: g.tree("HEAD"), Select: changedSince(t, base)})
	checkFindings(t, noCache.Findings, nil)

	// A full run fills the cache (with the monitor's finding) ...
	cache := validate.OpenCache(filepath.Join(t.TempDir(), "validate.cache"))
	full := run(t, validate.Options{Tree: g.tree("HEAD"), Cache: cache})
	checkFindings(t, full.Findings, []want{{"inventory/monitor/MN-00002.yaml", 5, 9, "schema", `status: "in-stok" is not allowed`}})
	// ... and --changed-since with that cache must say the same as without.
	warm := run(t, validate.Options{Tree: g.tree("HEAD"), Select: changedSince(t, base), Cache: cache})
	if !reflect.DeepEqual(keys(warm.Findings), keys(noCache.Findings)) {
		t.Errorf("with a warm cache, --changed-since reports %v; without one %v", keys(warm.Findings), keys(noCache.Findings))
	}
}

func keys(fs []record.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, got(f).String())
	}
	return out
}

// TestCacheWorkingTree: a second run takes every record from the cache
// with the same findings; editing one file re-checks exactly that file.
func TestCacheWorkingTree(t *testing.T) {
	g := newGitEstate(t)
	g.write(map[string]string{lt2: laptop2("C02XK1ABJG5H", "in-stok")}) // two findings: schema and serial
	path := filepath.Join(t.TempDir(), "validate.cache")
	n := len(cleanEstate) + 1

	first := runCached(t, g.dirTree(), path)
	if first.Checked != n || first.Cached != 0 {
		t.Errorf("first run: checked %d, cached %d; want %d, 0", first.Checked, first.Cached, n)
	}
	wantFs := []want{
		{lt2, 5, 9, "schema", `status: "in-stok" is not allowed`},
		{lt2, 6, 9, "unique-serial", `serial "C02XK1ABJG5H" is also the serial of LT-00001 (inventory/laptop/LT-00001.yaml)`},
	}
	checkFindings(t, first.Findings, wantFs)

	second := runCached(t, g.dirTree(), path)
	if second.Checked != 0 || second.Cached != n {
		t.Errorf("second run: checked %d, cached %d; want 0, %d", second.Checked, second.Cached, n)
	}
	if !reflect.DeepEqual(second.Findings, first.Findings) {
		t.Errorf("second run findings differ:\n%v\n%v", second.Findings, first.Findings)
	}
	if !reflect.DeepEqual(second.Estate.Assets["LT-00002"], first.Estate.Assets["LT-00002"]) {
		t.Errorf("the cached record differs from the checked one")
	}

	// Edit one file: it alone is checked again.
	g.write(map[string]string{lt2: laptop2("SN-2", "in-stok")})
	third := runCached(t, g.dirTree(), path)
	if third.Checked != 1 || third.Cached != n-1 {
		t.Errorf("after editing one file: checked %d, cached %d; want 1, %d", third.Checked, third.Cached, n-1)
	}
	checkFindings(t, third.Findings, wantFs[:1])
}

// TestCacheSchemaChange: a repository schema file that changes the
// schema digest invalidates every cached result.
func TestCacheSchemaChange(t *testing.T) {
	g := newGitEstate(t)
	path := filepath.Join(t.TempDir(), "validate.cache")
	runCached(t, g.dirTree(), path)
	g.write(map[string]string{"schema/org.cue": "package estate\n\n#Asset: serial?: =~\"^[A-Z0-9]+$\"\n"})
	res := runCached(t, g.dirTree(), path)
	if res.Cached != 0 || res.Checked != len(cleanEstate) {
		t.Errorf("after a schema change: checked %d, cached %d; want %d, 0", res.Checked, res.Cached, len(cleanEstate))
	}
	checkFindings(t, res.Findings, nil)
}

// TestCacheGitRevision: validating a revision twice takes every record
// from the cache; as a revision names each file's blob, a cached file
// need not be read.
func TestCacheGitRevision(t *testing.T) {
	g := newGitEstate(t)
	g.write(map[string]string{lt2: laptop2("SN-2", "in-stok")})
	g.commit("a second laptop")
	path := filepath.Join(t.TempDir(), "validate.cache")
	n := len(cleanEstate) + 1
	first := runCached(t, g.tree("HEAD"), path)
	tree := &recordingTree{Tree: g.tree("HEAD")}
	second := run(t, validate.Options{Tree: tree, Cache: validate.OpenCache(path)})
	if second.Checked != 0 || second.Cached != n {
		t.Errorf("second run: checked %d, cached %d; want 0, %d", second.Checked, second.Cached, n)
	}
	if !reflect.DeepEqual(second.Findings, first.Findings) {
		t.Errorf("second run findings differ:\n%v\n%v", second.Findings, first.Findings)
	}
	// Rule findings are placed by reading their file again; nothing else
	// needs reading.
	if len(tree.asked) > 0 {
		t.Errorf("a warm run over a git revision read %d blobs whose ids the cache holds", len(tree.asked))
	}
}

// runCached validates tree with the cache at path and saves the cache.
// A nil schema in the options means the tree's own (schema/*.cue) is read.
func runCached(t *testing.T, tree load.Tree, path string) *validate.Result {
	t.Helper()
	cache := validate.OpenCache(path)
	res, err := validate.Run(context.Background(), validate.Options{Tree: tree, Cache: cache,
		Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("validate.Run: %v", err)
	}
	if err := cache.Save(); err != nil {
		t.Fatalf("save cache: %v", err)
	}
	return res
}
