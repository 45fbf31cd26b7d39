package validate

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/synth"
)

// TestCacheRoundTrip: every record read back from a saved cache equals
// the record that was saved, for every kind (assets go through the compact
// codec, the rest through gob) — a field added to record.Asset and left
// out of the codec fails here.
func TestCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	files := synth.Generate(synth.Config{Assets: 500, Seed: 11, InvalidEvery: 25})
	if err := synth.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	path := filepath.Join(t.TempDir(), "validate.cache")
	c := OpenCache(path)
	first, err := Run(context.Background(), Options{Tree: d, Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	want := map[string]cacheEntry{}
	for b, slot := range c.entries {
		want[b] = slot.entry
	}
	back := OpenCache(path)
	<-back.ready
	if len(back.entries) != len(want) || len(want) < 500 {
		t.Fatalf("entries: saved %d, read back %d", len(want), len(back.entries))
	}
	for b, e := range want {
		if got := back.entries[b]; got == nil || !reflect.DeepEqual(got.entry, e) {
			t.Errorf("blob %s:\nsaved %+v\nread  %+v", b, e.Record, got)
		}
	}
	second, err := Run(context.Background(), Options{Tree: d, Cache: back})
	if err != nil {
		t.Fatal(err)
	}
	if second.Checked != 0 || !reflect.DeepEqual(first.Findings, second.Findings) {
		t.Errorf("warm run: %d checked; findings equal: %v", second.Checked, reflect.DeepEqual(first.Findings, second.Findings))
	}
}
