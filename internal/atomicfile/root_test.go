package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func openRoot(t *testing.T) (string, *os.Root) {
	t.Helper()
	dir := t.TempDir()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return dir, r
}

func TestWriteInCreateNeverOverwrites(t *testing.T) {
	dir, r := openRoot(t)
	if err := WriteIn(r, "a.yaml", []byte("one\n"), Create); err != nil {
		t.Fatal(err)
	}
	err := WriteIn(r, "a.yaml", []byte("two\n"), Create)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.yaml")); string(b) != "one\n" {
		t.Errorf("a create overwrote the file: %q", b)
	}
	if err := SyncDir(r, "."); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a temporary file was left behind: %v", entries)
	}
}

func TestWriteInReplace(t *testing.T) {
	dir, r := openRoot(t)
	if err := WriteIn(r, "a.yaml", []byte("x"), Replace); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("replace of a missing file: %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteIn(r, "a.yaml", []byte("new"), Replace); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.yaml")); string(b) != "new" {
		t.Errorf("after replace: %q", b)
	}
}

func TestWriteInStaysInRoot(t *testing.T) {
	dir, r := openRoot(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := WriteIn(r, "out/a.yaml", []byte("x"), Create); err == nil {
		t.Fatal("a write through a symlink out of the root succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("files appeared outside the root: %v", entries)
	}
	// A link to a file is not replaced through.
	if err := os.WriteFile(filepath.Join(outside, "t"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "t"), filepath.Join(dir, "l.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := WriteIn(r, "l.yaml", []byte("x"), Replace); err == nil {
		t.Fatal("a link was replaced")
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "t")); string(b) != "keep" {
		t.Errorf("the link's target changed: %q", b)
	}
}
