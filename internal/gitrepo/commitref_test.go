package gitrepo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

func TestCommitOnRef(t *testing.T) {
	dir := t.TempDir()
	gittest.Init(t, dir)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const ref = "refs/estate/test"
	sig := Signature{Name: "T", Email: "t@example.org", When: time.Unix(1700000000, 0)}
	first, err := r.CommitOnRef(ref, "", map[string][]byte{"a": []byte("1\n")}, "first", sig)
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.CommitOnRef(ref, first, map[string][]byte{"b": []byte("2\n")}, "second", sig)
	if err != nil {
		t.Fatal(err)
	}
	// A writer that read the old tip lost the race.
	if _, err := r.CommitOnRef(ref, first, map[string][]byte{"c": []byte("3\n")}, "late", sig); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("stale parent: %v, want ErrRefChanged", err)
	}
	if _, err := r.CommitOnRef(ref, "", nil, "again", sig); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("ref exists: %v, want ErrRefChanged", err)
	}
	files, err := r.ReadFiles(second, 100)
	if err != nil || len(files) != 2 || string(files["a"]) != "1\n" || string(files["b"]) != "2\n" {
		t.Fatalf("tip's files %q, %v", files, err)
	}
	if tip, _, _ := r.Ref(ref); tip != second {
		t.Fatalf("ref at %s, want %s", tip, second)
	}
	if _, ok := r.HeadBranch(context.Background()); !ok {
		t.Fatal("HEAD of a new repository is on a branch")
	}
	if r.HasRemote("origin") {
		t.Fatal("a new repository has no origin")
	}
}
