package validate_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/validate"
)

// warnings is a slog handler that keeps the messages of warnings.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

// TestCacheDamagedNeverChangesResults flips single bits of a cache file
// (every bit of the header, then a spread of 200 positions over the
// rest): each time the results equal a run without a cache, the damaged
// file is dropped with a warning, and the next run trusts the rebuilt one.
func TestCacheDamagedNeverChangesResults(t *testing.T) {
	g := newGitEstate(t)
	g.write(map[string]string{lt2: laptop2("C02XK1ABJG5H", "in-stok")}) // findings to lose or gain
	g.commit("a second laptop")
	tree := g.tree("HEAD")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	noCache := run(t, validate.Options{Tree: tree, Now: now})
	if len(noCache.Findings) == 0 {
		t.Fatal("the estate must have findings for a damaged cache to change")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "validate.cache")
	runCached(t, tree, path)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The intact cache answers every record, so a flip has something to
	// spoil.
	if warm := run(t, validate.Options{Tree: tree, Now: now, Cache: validate.OpenCache(path)}); warm.Cached != warm.Files || warm.Files == 0 {
		t.Fatalf("an intact cache answered %d of %d records", warm.Cached, warm.Files)
	}
	var bits []int
	for b := 0; b < 8*min(64, len(good)); b++ {
		bits = append(bits, b)
	}
	for i := 0; i < 200; i++ {
		bits = append(bits, 8*64+i*(8*(len(good)-64)-1)/199)
	}
	for _, bit := range bits {
		bad := bytes.Clone(good)
		bad[bit/8] ^= 1 << (bit % 8)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		w := &warnings{}
		c := validate.OpenCacheLog(path, slog.New(w))
		res := run(t, validate.Options{Tree: tree, Now: now, Cache: c})
		if !reflect.DeepEqual(keys(res.Findings), keys(noCache.Findings)) || res.Files != noCache.Files ||
			!reflect.DeepEqual(res.Estate.Assets, noCache.Estate.Assets) {
			t.Fatalf("bit %d flipped: findings %v, want %v", bit, keys(res.Findings), keys(noCache.Findings))
		}
		if res.Cached != 0 {
			t.Fatalf("bit %d flipped: %d results taken from a damaged cache", bit, res.Cached)
		}
		if len(w.msgs) != 1 || !strings.Contains(w.msgs[0], "cache dropped") {
			t.Fatalf("bit %d flipped: warnings %q, want one saying the cache was dropped", bit, w.msgs)
		}
	}
	// A damaged cache is rebuilt by the next run that saves.
	if err := os.WriteFile(path, append(bytes.Clone(good[:len(good)/2]), 'x'), 0o644); err != nil {
		t.Fatal(err)
	}
	runCached(t, tree, path)
	w := &warnings{}
	again := run(t, validate.Options{Tree: tree, Now: now, Cache: validate.OpenCacheLog(path, slog.New(w))})
	if again.Cached != again.Files || len(w.msgs) != 0 || !reflect.DeepEqual(keys(again.Findings), keys(noCache.Findings)) {
		t.Errorf("after a rebuild: %d of %d cached, warnings %q", again.Cached, again.Files, w.msgs)
	}
}
