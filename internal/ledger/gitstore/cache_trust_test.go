package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"testing"
)

type warnCount struct{ n int }

func (w *warnCount) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnCount) Handle(context.Context, slog.Record) error    { w.n++; return nil }
func (w *warnCount) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnCount) WithGroup(string) slog.Handler                { return w }

// TestEntriesCacheDamaged: a ledger cache with any one bit flipped is
// dropped with a warning, and the entries equal those read from git.
func TestEntriesCacheDamaged(t *testing.T) {
	ctx := context.Background()
	s := open(t, bare(t))
	for i := 0; i < 3; i++ {
		if _, err := s.Append(ctx, recordMerge(fmt.Sprintf("%040x", i))); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.Entries(ctx)
	if err != nil || len(want) != 3 {
		t.Fatalf("%d entries, %v", len(want), err)
	}
	path := s.cachePath()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the ledger cache was not written: %v", err)
	}
	w := &warnCount{}
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(w))
	for i := 0; i < 200; i++ {
		bit := i * (8*len(good) - 1) / 199
		bad := bytes.Clone(good)
		bad[bit/8] ^= 1 << (bit % 8)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		before := w.n
		got, err := s.Entries(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("bit %d flipped: %d entries (%v), want the %d read from git", bit, len(got), err, len(want))
		}
		if w.n != before+1 {
			t.Fatalf("bit %d flipped: %d warnings, want one", bit, w.n-before)
		}
	}
}
