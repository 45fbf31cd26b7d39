package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/estate-dev/estate/internal/load"
)

// TestEntriesGitMatchesGoGit holds the git ls-tree listing to the go-git
// walk on a tree with every kind of entry: regular and executable files,
// symlinks inside and out of the repository, a submodule, names with
// spaces, quotes and non-ASCII, roots that are files or folders, and
// paths outside the roots (which neither lists). A name with a control
// character is the one difference: go-git refuses the whole tree, the git
// listing refuses that file alone.
func TestEntriesGitMatchesGoGit(t *testing.T) {
	g := newGitRepo(t)
	g.write("estate.yaml", "apiVersion: estate/v1\nkind: Settings\n")
	g.write("schema/extra.cue", "package estate\n")
	g.write("inventory/laptop/LT-1.yaml", assetDoc("LT-1", "a@example.org"))
	g.write("inventory/laptop/LT 2 \"quoted\".yaml", assetDoc("LT-2", "b@example.org"))
	g.write("inventory/phone/Zoë-日本.yaml", assetDoc("PH-1", "e@example.org"))
	g.write("policies/baselines/b.yaml", "apiVersion: estate/v1\nkind: Baseline\nname: b\n")
	g.write("changes", "a file where a folder is expected\n")
	g.write("inventory2/x.yaml", "not a root\n")
	g.write("README.md", "not a root\n")
	if err := os.Chmod(filepath.Join(g.dir, "inventory/laptop/LT-1.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"inventory/laptop/inside.yaml": "LT-1.yaml",
		"inventory/laptop/out.yaml":    "../../../outside.yaml",
		"policies/dir-link":            "baselines",
	} {
		if err := os.Symlink(target, filepath.Join(g.dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	g.run("add", "-A")
	g.run("update-index", "--add", "--cacheinfo", "160000,"+g.run("hash-object", "README.md")+",inventory/sub")
	head := g.commit("everything")

	_, tree := g.tree(head)
	ctx := context.Background()
	viaGit, err := tree.entriesGit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	viaGoGit, err := tree.entriesGoGit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(viaGit) < 10 {
		t.Fatalf("git ls-tree listed %d entries; want the 11 files and links under the roots: %+v", len(viaGit), viaGit)
	}
	byPath := func(es []load.Entry) map[string]load.Entry {
		m := map[string]load.Entry{}
		for _, e := range es {
			m[e.Path] = e
		}
		return m
	}
	if a, b := byPath(viaGit), byPath(viaGoGit); !reflect.DeepEqual(a, b) || len(viaGit) != len(viaGoGit) {
		t.Errorf("git ls-tree and go-git list different entries:\n git:   %+v\n go-git: %+v", viaGit, viaGoGit)
	}
	// And Entries (sorted, links resolved) is the same whichever lists.
	all, err := tree.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "")
	noGit, err := tree.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, noGit) {
		t.Errorf("Entries with git and without differ:\n%+v\n%+v", all, noGit)
	}
}

func TestEntriesGitControlCharacters(t *testing.T) {
	g := newGitRepo(t)
	g.write("inventory/laptop/tab\there.yaml", assetDoc("LT-3", "c@example.org"))
	g.write("inventory/laptop/new\nline.yaml", assetDoc("LT-4", "d@example.org"))
	g.write("inventory/laptop/LT-1.yaml", assetDoc("LT-1", "a@example.org"))
	head := g.commit("control characters")
	_, tree := g.tree(head)
	es, err := tree.entriesGit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	problems := 0
	for _, e := range es {
		if e.Problem != "" {
			problems++
		}
	}
	if len(es) != 3 || problems != 2 {
		t.Errorf("got %+v; want 3 entries, the two with control characters refused", es)
	}
}
