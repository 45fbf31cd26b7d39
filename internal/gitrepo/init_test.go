package gitrepo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInitAndEnclosing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "estate")
	if err := os.MkdirAll(filepath.Join(dir, "inventory", "laptop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := Enclosing(dir); err != nil || ok {
		t.Fatalf("Enclosing before init = %v, %v; want not in a repository", ok, err)
	}
	r, err := Init(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	head, err := r.gogit.Storer.Reference("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if got := head.Target().String(); got != "refs/heads/main" {
		t.Errorf("HEAD -> %s, want refs/heads/main", got)
	}
	root, ok, err := Enclosing(filepath.Join(dir, "inventory", "laptop"))
	if err != nil || !ok {
		t.Fatalf("Enclosing after init = %v, %v", ok, err)
	}
	want, _ := filepath.EvalSymlinks(dir)
	if got, _ := filepath.EvalSymlinks(root); got != want {
		t.Errorf("Enclosing root = %s, want %s", root, dir)
	}
	// A second init of the same folder is refused, not a silent re-init.
	if _, err := Init(dir, "main"); err == nil {
		t.Error("Init of an existing repository succeeded")
	}
}
