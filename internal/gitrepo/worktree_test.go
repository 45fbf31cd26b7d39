package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

// TestLinkedWorktree: a working tree made by `git worktree add` keeps its
// HEAD in its own git directory and its refs and objects in the common
// one: estate resolves its revisions and reads its trees as in the main
// checkout (it used to fail with "reference not found").
func TestLinkedWorktree(t *testing.T) {
	root := t.TempDir()
	git := func(dir string, args ...string) string { return gittest.CLI(t, dir, args...) }
	main := filepath.Join(root, "main")
	git(root, "init", "-q", "-b", "main", main)
	if err := os.MkdirAll(filepath.Join(main, "inventory", "laptop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(main, "inventory", "laptop", "LT-1.yaml"), []byte("id: LT-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(main, "add", "-A")
	git(main, "commit", "-q", "-m", "one")
	wt := filepath.Join(root, "wt")
	git(main, "worktree", "add", "-q", "-b", "feature", wt)
	git(wt, "commit", "-q", "--allow-empty", "-m", "two")
	want := git(wt, "rev-parse", "HEAD")
	r, err := Open(wt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := r.Resolve("HEAD")
	if err != nil || c.Hash != want {
		t.Fatalf("Resolve(HEAD) in a linked worktree = %+v, %v; want %s", c, err, want)
	}
	tree, err := r.Tree("main")
	if err != nil {
		t.Fatal(err)
	}
	es, err := tree.Entries(context.Background())
	if err != nil || len(es) != 1 || es[0].Path != "inventory/laptop/LT-1.yaml" {
		t.Fatalf("entries %+v, %v", es, err)
	}
	if r.Root != wt {
		t.Errorf("Root = %s, want %s", r.Root, wt)
	}
}
