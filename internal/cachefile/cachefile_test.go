package cachefile_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/cachefile"
)

type counter struct{ warn, debug int }

func (c *counter) Enabled(context.Context, slog.Level) bool { return true }
func (c *counter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		c.warn++
	} else {
		c.debug++
	}
	return nil
}
func (c *counter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *counter) WithGroup(string) slog.Handler      { return c }

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cache")
	if err := cachefile.Write(path, "test", 3, []byte("hello, "), nil, []byte("world")); err != nil {
		t.Fatal(err)
	}
	got, err := cachefile.Read(path, "test", 3)
	if err != nil || string(got) != "hello, world" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	if _, err := cachefile.Read(path, "test", 4); !errors.Is(err, cachefile.ErrVersion) {
		t.Errorf("another version: %v, want ErrVersion", err)
	}
	if _, err := cachefile.Read(path, "other", 3); !errors.Is(err, cachefile.ErrCorrupt) {
		t.Errorf("another cache's file: %v, want ErrCorrupt", err)
	}
	if _, err := cachefile.Read(filepath.Join(t.TempDir(), "none"), "test", 3); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want ErrNotExist", err)
	}
	c := &counter{}
	if _, ok := cachefile.Load(slog.New(c), path, "test", 4); ok || c.warn != 0 || c.debug != 1 {
		t.Errorf("another version: ok %v, %d warnings, %d debug lines; want a debug line", ok, c.warn, c.debug)
	}
}

// TestEveryBitFlipIsCaught: a flip of any one bit, a truncation or an
// extra byte is ErrCorrupt, or ErrVersion when it hits the version and the
// checksum still holds (it cannot: the checksum covers the header).
func TestEveryBitFlipIsCaught(t *testing.T) {
	good, err := cachefile.Encode("validate", 5, []byte("a small payload of a cache"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := cachefile.Decode(good, "validate", 5); err != nil || string(p) != "a small payload of a cache" {
		t.Fatalf("Decode = %q, %v", p, err)
	}
	for bit := 0; bit < 8*len(good); bit++ {
		bad := bytes.Clone(good)
		bad[bit/8] ^= 1 << (bit % 8)
		if p, err := cachefile.Decode(bad, "validate", 5); !errors.Is(err, cachefile.ErrCorrupt) {
			t.Fatalf("bit %d flipped: payload %q, error %v; want ErrCorrupt", bit, p, err)
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := cachefile.Decode(good[:n], "validate", 5); !errors.Is(err, cachefile.ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := cachefile.Decode(append(bytes.Clone(good), 0), "validate", 5); !errors.Is(err, cachefile.ErrCorrupt) {
		t.Fatalf("a byte appended: %v", err)
	}
	path := filepath.Join(t.TempDir(), "x.cache")
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 0x40
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	if _, ok := cachefile.Load(slog.New(c), path, "validate", 5); ok || c.warn != 1 {
		t.Errorf("a damaged file: ok %v, %d warnings; want one", ok, c.warn)
	}
}
