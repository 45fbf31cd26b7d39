package core

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/record"
)

const laptop = `apiVersion: estate/v1
kind: Asset
id: LT-00101
class: laptop
status: in-stock
serial: L4X9KQ7MWR
manufacturer: Apple
model: MacBook Pro
hostname: lt-00101
`

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func git(t *testing.T, dir string, args ...string) string { return gittest.CLI(t, dir, args...) }

// TestOpenWorkingTree: the records, the index by serial and hostname, and
// a finding placed on the line of the field it names.
func TestOpenWorkingTree(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"inventory/laptop/LT-00101.yaml": laptop, "estate.yaml": "apiVersion: estate/v1\nkind: Settings\n"})
	e, err := Open(context.Background(), Options{Dir: dir, Cache: CacheOff})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Files != 2 || e.Assets["LT-00101"] == nil { // the asset and estate.yaml
		t.Fatalf("files %d, assets %v", e.Files, e.Assets)
	}
	if n := e.Errors(); n != 0 {
		t.Fatalf("%d errors: %v", n, e.Findings)
	}
	rec, byHost := e.Index().Find(&record.Facts{Identity: record.Identity{Hostname: "LT-00101.corp.example.org"}})
	if rec == nil || rec.ID != "LT-00101" || !byHost {
		t.Fatalf("Index().Find by FQDN = %+v, %v", rec, byHost)
	}
	fs := []record.Finding{{Pos: record.Pos{File: "inventory/laptop/LT-00101.yaml"}, Field: "hostname"}}
	e.Place(context.Background(), fs)
	if fs[0].Pos.Line != 9 || fs[0].Pos.Col != 11 {
		t.Fatalf("placed at %d:%d, want 9:11", fs[0].Pos.Line, fs[0].Pos.Col)
	}
}

// TestOpenRevision: a revision is read from git, not from the working
// tree; a revision that does not exist is the user's error.
func TestOpenRevision(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"inventory/laptop/LT-00101.yaml": laptop})
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "one")
	write(t, dir, map[string]string{"inventory/laptop/LT-00102.yaml": strings.ReplaceAll(laptop, "LT-00101", "LT-00102")})
	ctx := context.Background()
	for _, checks := range []Checks{CheckAll, CheckNone} {
		e, err := Open(ctx, Options{Dir: dir, Rev: "main", Checks: checks, Cache: CacheRead})
		if err != nil {
			t.Fatal(err)
		}
		if e.Files != 1 || e.Assets["LT-00102"] != nil || e.Rev != "main" {
			t.Fatalf("checks %d: files %d, assets %v", checks, e.Files, e.Assets)
		}
		e.Close()
	}
	w, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if w.Files != 2 {
		t.Fatalf("working tree: %d files", w.Files)
	}
	w.Close()
	if _, err := Open(ctx, Options{Dir: dir, Rev: "no-such-branch"}); !errors.Is(err, ErrUsage) {
		t.Fatalf("missing revision: %v, want ErrUsage", err)
	}
}

// TestChangedSinceAndPaths: only what changed goes through the schema
// layer, the rules still see every record, and findings are limited to
// the paths asked for; a path outside the estate is a usage error.
func TestChangedSinceAndPaths(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"inventory/laptop/LT-00101.yaml": laptop})
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "one")
	bad := strings.ReplaceAll(laptop, "in-stock", "deploy")
	write(t, dir, map[string]string{
		"inventory/laptop/LT-00102.yaml":  strings.ReplaceAll(bad, "LT-00101", "LT-00102"),
		"inventory/desktop/DT-00001.yaml": strings.NewReplacer("LT-00101", "DT-00001", "laptop", "desktop", "L4X9KQ7MWR", "D1", "lt-00101", "dt-00001").Replace(bad),
	})
	ctx := context.Background()
	e, err := Open(ctx, Options{Dir: dir, ChangedSince: "main", Cache: CacheOff})
	if err != nil {
		t.Fatal(err)
	}
	if e.Checked != 2 || e.Files != 3 {
		t.Fatalf("checked %d of %d, want 2 of 3", e.Checked, e.Files)
	}
	e.Close()
	e, err = Open(ctx, Options{Dir: dir, Paths: []string{"inventory/laptop"}, Cache: CacheOff})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if len(e.Findings) == 0 {
		t.Fatal("no finding for the bad laptop")
	}
	for _, f := range e.Findings {
		if !strings.HasPrefix(f.Pos.File, "inventory/laptop/") {
			t.Errorf("finding outside the paths asked for: %v", f)
		}
	}
	if _, err := Open(ctx, Options{Dir: dir, Paths: []string{"../elsewhere"}}); !errors.Is(err, ErrUsage) {
		t.Fatalf("path outside: %v, want ErrUsage", err)
	}
}

// TestCachePolicy: CacheOff and CacheRead never write the cache;
// CacheReadWrite does, and a second run takes the record from it.
func TestCachePolicy(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"inventory/laptop/LT-00101.yaml": laptop})
	git(t, dir, "init", "-q", "-b", "main")
	cache := filepath.Join(dir, ".git", "estate", "validate.cache")
	ctx := context.Background()
	for _, p := range []CachePolicy{CacheOff, CacheRead} {
		e, err := Open(ctx, Options{Dir: dir, Cache: p})
		if err != nil {
			t.Fatal(err)
		}
		e.Close()
		if _, err := os.Stat(cache); err == nil {
			t.Fatalf("policy %d wrote the cache", p)
		}
	}
	e, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("CacheReadWrite wrote no cache: %v", err)
	}
	e, err = Open(ctx, Options{Dir: dir, Cache: CacheRead})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Cached != 1 {
		t.Fatalf("cached %d, want 1", e.Cached)
	}
}
