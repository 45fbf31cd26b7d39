package gitrepo

import (
	"context"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

func TestHeadBranchAndRemote(t *testing.T) {
	dir := t.TempDir()
	gittest.Init(t, dir)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, ok := r.HeadBranch(context.Background()); !ok || b != "main" {
		t.Fatalf("HEAD of a new repository: %q, %v; want main", b, ok)
	}
	if r.HasRemote("origin") {
		t.Fatal("a new repository has no origin")
	}
}
