package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"

	"github.com/estate-dev/estate/internal/load"
)

// gitRepo makes a real repository with the git CLI.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.run("init", "-q", "-b", "main")
	return g
}

func (g *gitRepo) run(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+g.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (g *gitRepo) write(p, data string) {
	g.t.Helper()
	full := filepath.Join(g.dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

func (g *gitRepo) commit(msg string) string {
	g.run("add", "-A")
	g.run("commit", "-q", "-m", msg)
	return g.run("rev-parse", "HEAD")
}

// tree opens the repository (closed with the test) and its tree at rev.
func (g *gitRepo) tree(rev string) (*Repo, *Tree) {
	g.t.Helper()
	repo, err := Open(g.dir)
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { repo.Close() })
	tree, err := repo.Tree(rev)
	if err != nil {
		g.t.Fatal(err)
	}
	return repo, tree
}

func assetDoc(id, owner string) string {
	return fmt.Sprintf("apiVersion: estate/v1\nkind: Asset\nid: %s\nclass: laptop\nstatus: deployed\nserial: S-%s\nmanufacturer: Apple\nmodel: MacBook Pro 14 (2023) with a long model line\nowner: %s\nlocation: LON\n", id, id, owner)
}

func TestDiffCommitsAcrossBranchesMergesAndRenames(t *testing.T) {
	g := newGitRepo(t)
	for i := 0; i < 50; i++ {
		g.write(fmt.Sprintf("inventory/laptop/LT-%03d.yaml", i), assetDoc(fmt.Sprintf("LT-%03d", i), "a@example.org"))
	}
	g.write("README.md", "estate\n")
	g.commit("base")
	g.run("checkout", "-q", "-b", "feature")
	g.write("inventory/laptop/LT-001.yaml", assetDoc("LT-001", "b@example.org")) // modified
	os.MkdirAll(filepath.Join(g.dir, "inventory", "desktop"), 0o755)
	g.run("mv", "inventory/laptop/LT-002.yaml", "inventory/desktop/LT-002.yaml")                          // exact rename
	g.run("mv", "inventory/laptop/LT-003.yaml", "inventory/laptop/LT-903.yaml")                           // rename ...
	g.write("inventory/laptop/LT-903.yaml", assetDoc("LT-903", "a@example.org"))                          // ... with an edit
	g.run("rm", "-q", "inventory/laptop/LT-004.yaml")                                                     // deleted
	g.write("inventory/laptop/LT-100.yaml", assetDoc("LT-100", "c@example.org"))                          // added
	if err := os.Symlink("LT-005.yaml", filepath.Join(g.dir, "inventory/laptop/LINK.yaml")); err != nil { // a link
		t.Fatal(err)
	}
	g.commit("feature work")
	// Meanwhile main moves on; the feature merges main in.
	g.run("checkout", "-q", "main")
	g.write("inventory/laptop/LT-040.yaml", assetDoc("LT-040", "m@example.org"))
	g.write("README.md", "estate, on main\n")
	g.commit("main work")
	g.run("checkout", "-q", "feature")
	g.run("merge", "-q", "--no-edit", "main")

	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := r.Resolve("feature")
	if err != nil {
		t.Fatal(err)
	}
	tip, err := r.Resolve("main")
	if err != nil {
		t.Fatal(err)
	}
	// The merge base of the merged feature and main is main's tip: the
	// plan shows the feature's own changes, not main's.
	mb, err := r.MergeBase(tip, head)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Hash != tip.Hash {
		t.Fatalf("merge base %s; want main's tip %s", mb.Hash, tip.Hash)
	}
	changes, err := r.DiffCommits(context.Background(), mb, head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		s := c.Action + " " + c.Path()
		if c.Action == "renamed" {
			s = c.Action + " " + c.From + " -> " + c.To
		}
		if c.ToLink {
			s += " (link)"
		}
		got = append(got, s)
	}
	want := []string{
		"renamed inventory/laptop/LT-002.yaml -> inventory/desktop/LT-002.yaml",
		"added inventory/laptop/LINK.yaml (link)",
		"modified inventory/laptop/LT-001.yaml",
		"deleted inventory/laptop/LT-003.yaml", // renamed with an edit: internal/change pairs it by serial
		"deleted inventory/laptop/LT-004.yaml",
		"added inventory/laptop/LT-100.yaml",
		"added inventory/laptop/LT-903.yaml",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The git CLI agrees on the paths.
	cli := g.run("diff", "--name-only", "--no-renames", mb.Hash, head.Hash)
	if n := len(strings.Split(cli, "\n")); n != 8 {
		t.Errorf("git diff --name-only lists %d paths:\n%s", n, cli)
	}

	// Unrelated histories have no merge base.
	g.run("checkout", "-q", "--orphan", "other")
	g.run("rm", "-rq", "--cached", ".")
	g.write("x.txt", "x")
	g.run("add", "x.txt")
	g.run("commit", "-q", "-m", "orphan")
	r, _ = Open(g.dir)
	other, _ := r.Resolve("other")
	if _, err := r.MergeBase(other, tip); err == nil || !strings.Contains(err.Error(), "share no history") {
		t.Errorf("orphan merge base: %v", err)
	}
}

func TestOnlyListsTheSubset(t *testing.T) {
	g := newGitRepo(t)
	for i := 0; i < 20; i++ {
		g.write(fmt.Sprintf("inventory/laptop/LT-%03d.yaml", i), assetDoc(fmt.Sprintf("LT-%03d", i), "a@example.org"))
	}
	g.write("inventory/locations/LON.yaml", "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n")
	g.write("policies/change-control.yaml", "apiVersion: estate/v1\nkind: ChangePolicy\napprovals: []\n")
	g.write("docs/x.md", "not a record root\n")
	g.commit("c")
	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.Tree("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	blob := func(p string) string {
		e, err := tree.tree.FindEntry(p)
		if err != nil {
			t.Fatal(err)
		}
		return e.Hash.String()
	}
	sub := tree.Only([]string{"policies", "inventory/locations", "changes"}, []load.Entry{
		{Path: "inventory/laptop/LT-007.yaml", Blob: blob("inventory/laptop/LT-007.yaml")},
		{Path: "docs/x.md", Blob: blob("docs/x.md")}, {Path: "../etc/passwd"}}, nil)
	es, err := sub.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Path)
	}
	want := "inventory/laptop/LT-007.yaml,inventory/locations/LON.yaml,policies/change-control.yaml"
	if strings.Join(got, ",") != want {
		t.Errorf("entries %v; want %s", got, want)
	}
	data, err := sub.ReadFile(es[0], 1<<20)
	if err != nil || !strings.Contains(string(data), "id: LT-007") {
		t.Errorf("read: %v %q", err, data)
	}
	// The same through git cat-file: same bytes; a blob over the limit is
	// refused and the stream stays in step; a missing one is an error.
	cat, err := r.StartCatFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	viaCat := tree.Only(nil, nil, cat)
	for i := 0; i < 2; i++ {
		got, err := viaCat.ReadFile(es[0], 1<<20)
		if err != nil || string(got) != string(data) {
			t.Fatalf("cat-file read: %v %q", err, got)
		}
		if _, err := viaCat.ReadFile(es[0], 10); !errors.Is(err, load.ErrTooLarge) {
			t.Fatalf("over the limit: %v", err)
		}
	}
	if _, err := cat.Read(strings.Repeat("0", 40), 100); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing blob: %v", err)
	}
	if _, err := cat.Read("HEAD", 100); err == nil {
		t.Error("a revision name was accepted as a blob id")
	}
	if got, err := viaCat.ReadFile(es[1], 1<<20); err != nil || !strings.Contains(string(got), "LON") {
		t.Errorf("after errors: %v %q", err, got)
	}
	// Preloaded in one pipelined batch: the same bytes, the same refusals.
	cat2, err := r.StartCatFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cat2.Close()
	var ids []string
	for _, e := range es {
		ids = append(ids, e.Blob)
	}
	ids = append(ids, strings.Repeat("0", 40), "junk")
	if err := cat2.Preload(context.Background(), ids, 1<<20); err != nil {
		t.Fatal(err)
	}
	pre := tree.Only(nil, nil, cat2)
	for _, e := range es {
		want, _ := viaCat.ReadFile(e, 1<<20)
		got, err := pre.ReadFile(e, 1<<20)
		if err != nil || string(got) != string(want) {
			t.Errorf("preloaded %s: %v", e.Path, err)
		}
	}
	if _, err := pre.ReadFile(es[0], 10); !errors.Is(err, load.ErrTooLarge) {
		t.Errorf("preloaded, over the limit: %v", err)
	}
	if err := cat2.Preload(context.Background(), ids[:1], 10); err != nil {
		t.Fatal(err)
	}
	if _, err := cat2.Read(strings.Repeat("0", 40), 100); err == nil {
		t.Error("missing blob after preload")
	}
}

// TestDiffCommitsMatchesDiffTree is a differential test: on a repository
// with files added, deleted, edited, moved between folders, turned into
// folders and links, DiffCommits reports exactly what go-git's
// object.DiffTree reports (renames taken apart into delete + add), and
// DiffCommitsGit (the git CLI) exactly what DiffCommits does.
func TestDiffCommitsMatchesDiffTree(t *testing.T) {
	g := newGitRepo(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	dirs := []string{"inventory/laptop", "inventory/desktop", "policies/baselines", "changes", "a/b/c"}
	var paths []string
	for i := 0; i < 60; i++ {
		p := fmt.Sprintf("%s/F-%02d.yaml", dirs[i%len(dirs)], i)
		paths = append(paths, p)
		g.write(p, fmt.Sprintf("id: F-%02d\n", i))
	}
	var commits []string
	commits = append(commits, g.commit("c0"))
	for c := 1; c <= 5; c++ {
		for k := 0; k < 8; k++ {
			p := paths[rnd.IntN(len(paths))]
			full := filepath.Join(g.dir, filepath.FromSlash(p))
			switch rnd.IntN(5) {
			case 0: // edit
				os.WriteFile(full, []byte(fmt.Sprintf("id: x\nrev: %d\n", c*100+k)), 0o644)
			case 1: // delete
				os.RemoveAll(full)
			case 2: // move to another folder
				dst := fmt.Sprintf("%s/M-%d-%d.yaml", dirs[rnd.IntN(len(dirs))], c, k)
				if data, err := os.ReadFile(full); err == nil {
					g.write(dst, string(data))
					os.Remove(full)
				}
			case 3: // a file becomes a folder
				os.RemoveAll(full)
				g.write(p+"/inner.yaml", "inner\n")
			case 4: // a link
				os.RemoveAll(full)
				os.MkdirAll(filepath.Dir(full), 0o755)
				os.Symlink("elsewhere.yaml", full)
			}
		}
		commits = append(commits, g.commit(fmt.Sprintf("c%d", c)))
	}
	r, err := Open(g.dir)
	if err != nil {
		t.Fatal(err)
	}
	key := func(action, from, to, fb, tb string) string {
		return action + " " + from + " " + to + " " + fb + " " + tb
	}
	for i := range commits {
		for j := range commits {
			if i == j {
				continue
			}
			a, _ := r.Resolve(commits[i])
			b, _ := r.Resolve(commits[j])
			at, _ := r.gogit.TreeObject(plumbing.NewHash(a.Tree))
			bt, _ := r.gogit.TreeObject(plumbing.NewHash(b.Tree))
			ref, err := object.DiffTree(at, bt)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, c := range ref {
				action, _ := c.Action()
				switch action {
				case merkletrie.Insert:
					want = append(want, key("added", "", c.To.Name, "", c.To.TreeEntry.Hash.String()))
				case merkletrie.Delete:
					want = append(want, key("deleted", c.From.Name, "", c.From.TreeEntry.Hash.String(), ""))
				default:
					want = append(want, key("modified", c.From.Name, c.To.Name, c.From.TreeEntry.Hash.String(), c.To.TreeEntry.Hash.String()))
				}
			}
			sort.Strings(want)
			goGit, err := r.DiffCommits(context.Background(), a, b)
			if err != nil {
				t.Fatal(err)
			}
			cli, err := r.DiffCommitsGit(context.Background(), a, b)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(goGit) != fmt.Sprint(cli) {
				t.Fatalf("c%d..c%d: the git CLI engine differs:\n%v\n%v", i, j, cli, goGit)
			}
			var got []string
			for _, c := range goGit {
				if c.Action == "renamed" {
					got = append(got, key("deleted", c.From, "", c.FromBlob, ""), key("added", "", c.To, "", c.ToBlob))
					continue
				}
				got = append(got, key(c.Action, c.From, c.To, c.FromBlob, c.ToBlob))
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("c%d..c%d:\ngot:\n%s\nwant (object.DiffTree):\n%s", i, j, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}
