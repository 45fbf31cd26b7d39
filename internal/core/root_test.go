package core_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/core"
)

func mkdirs(t *testing.T, base string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		full := filepath.Join(base, filepath.FromSlash(p))
		if filepath.Ext(p) != "" {
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindRoot(t *testing.T) {
	base := t.TempDir()
	mkdirs(t, base,
		"plain/estate.yaml", "plain/inventory/laptop",
		"repo/.git", "repo/inventory/laptop",
		"mono/.git", "mono/it/estate.yaml", "mono/it/inventory/laptop", "mono/docs",
		"nothing/inventory/laptop")
	for _, c := range []struct{ dir, want string }{
		{"plain", "plain"},
		{"plain/inventory/laptop", "plain"},
		{"repo/inventory/laptop", "repo"},
		{"repo", "repo"},
		{"mono/it/inventory/laptop", "mono/it"},
		{"mono/docs", "mono"},
	} {
		got, err := core.FindRoot(filepath.Join(base, c.dir))
		if err != nil || got != filepath.Join(base, c.want) {
			t.Errorf("FindRoot(%s) = %s, %v; want %s", c.dir, got, err, c.want)
		}
	}
	// t.TempDir is in no estate and no git repository (above it: the
	// system's temporary folder).
	for _, dir := range []string{"nothing/inventory/laptop", "no-such-folder", "plain/estate.yaml"} {
		_, err := core.FindRoot(filepath.Join(base, dir))
		if !errors.Is(err, core.ErrUsage) {
			t.Errorf("FindRoot(%s): %v, want a usage error", dir, err)
		}
	}
	if _, err := core.FindRoot(filepath.Join(base, "nothing")); !errors.Is(err, core.ErrNoEstate) {
		t.Errorf("FindRoot(nothing): %v, want ErrNoEstate", err)
	}
}
