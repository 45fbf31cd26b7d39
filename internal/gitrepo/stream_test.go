package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
)

// TestStreamedTreeReadsWhatTreeReads reads every file of a real
// repository through git cat-file streams and through go-git: the same
// bytes, the same refusals (a blob over the limit, a link out of the
// repository), and files not prefetched are still read.
func TestStreamedTreeReadsWhatTreeReads(t *testing.T) {
	g := newGitRepo(t)
	for i := range 300 {
		g.write(fmt.Sprintf("inventory/laptop/LT-%03d.yaml", i), assetDoc(fmt.Sprintf("LT-%03d", i), "a@example.org"))
	}
	// One blob at two paths: streamed once, read twice.
	g.write("inventory/laptop/LT-900.yaml", assetDoc("LT-900", "a@example.org"))
	g.write("inventory/laptop/copy.yaml", assetDoc("LT-900", "a@example.org"))
	g.write("inventory/laptop/huge.yaml", strings.Repeat("x", 5000))
	head := g.commit("estate")
	repo, tree := g.tree(head)
	ctx := context.Background()
	entries, err := tree.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cats []*CatFile
	for range 3 {
		c, err := repo.StartCatFile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cats = append(cats, c)
	}
	const max = 4096
	st := tree.Streamed(max, cats...)
	st.Prefetch(ctx, entries[:len(entries)-5]) // the last five are read without it
	for _, e := range entries {
		want, werr := tree.ReadFile(e, max)
		got, gerr := st.ReadFile(e, max)
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) || errors.Is(werr, load.ErrTooLarge) != errors.Is(gerr, load.ErrTooLarge) {
			t.Errorf("%s: streamed %q, %v; go-git %q, %v", e.Path, got, gerr, want, werr)
		}
	}
	// A read under a higher limit than the stream's is not refused.
	for _, e := range entries {
		if strings.HasSuffix(e.Path, "huge.yaml") {
			if data, err := st.ReadFile(e, 1<<20); err != nil || len(data) != 5000 {
				t.Errorf("huge.yaml under a 1 MiB limit: %d bytes, %v", len(data), err)
			}
		}
	}
}

// TestStreamedTreeFallsBack: a stream that cannot serve its reads — its
// context cancelled, or a git that refuses the repository (another
// user's: "dubious ownership") — leaves them to go-git; every read gets
// the file's bytes and none hangs. The listing falls back the same way.
func TestStreamedTreeFallsBack(t *testing.T) {
	g := newGitRepo(t)
	for i := range 200 {
		g.write(fmt.Sprintf("inventory/laptop/LT-%03d.yaml", i), assetDoc(fmt.Sprintf("LT-%03d", i), "a@example.org"))
	}
	head := g.commit("estate")
	repo, tree := g.tree(head)
	want, err := tree.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, st *StreamedTree) {
		t.Helper()
		for _, e := range want {
			got, err := st.ReadFile(e, 1<<20)
			if w, _ := tree.ReadFile(e, 1<<20); err != nil || !bytes.Equal(got, w) {
				t.Fatalf("%s: %s: %q, %v", name, e.Path, got, err)
			}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cat, err := repo.StartCatFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	cancel()
	st := tree.Streamed(1<<20, cat)
	st.Prefetch(ctx, want)
	check("cancelled", st)

	// A git that refuses every repository, first on PATH.
	bin := t.TempDir()
	fake := "#!/bin/sh\necho \"fatal: detected dubious ownership in repository\" >&2\nexit 128\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	refused, err := repo.StartCatFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	if _, err := tree.entriesGit(context.Background()); err == nil {
		t.Fatal("the fake git listed the tree")
	}
	got, err := tree.Entries(context.Background())
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Entries with a refusing git: %v\n%+v", err, got)
	}
	st = tree.Streamed(1<<20, refused)
	st.Prefetch(context.Background(), want)
	check("refused", st)
}
