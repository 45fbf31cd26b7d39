package collect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
)

func TestRunFrom(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	from := filepath.Join(dir, "export")
	os.MkdirAll(from, 0o755)
	os.WriteFile(filepath.Join(from, "lt-1.yaml"), []byte("apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-23T06:00:00Z\ncollector: {name: file}\nidentity: {serial: SER1, hostname: lt-1}\n"), 0o644)
	os.WriteFile(filepath.Join(from, "bad.json"), []byte(`{"apiVersion": "estate/v1", "kind": "Facts", "collected_at": "2026-11-23T06:00:00Z",
 "collector": {"name": "file"}, "identity": {"serial": "SER2"}, "security": {"disk_encryption": "yes"}}`), 0o644)
	// Run from a folder of the estate: the facts go to the estate's facts/.
	sub := filepath.Join(dir, "inventory", "laptop")
	os.MkdirAll(sub, 0o755)
	res, err := Run(context.Background(), Options{Dir: sub, From: from, Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || res.Written[0].Rel != "../../facts/lt-1.json" && res.Written[0].Rel != filepath.Join(dir, "facts", "lt-1.json") || len(res.Failed) != 1 || res.Out != filepath.Join(dir, "facts") {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir, "facts", "lt-1.json")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "facts", "bad.json")); err == nil {
		t.Error("an invalid document was written")
	}
}

func TestRunUsage(t *testing.T) {
	for _, o := range []Options{{}, {Local: true, From: "x"}, {Local: true, Format: "toml"}, {From: "does-not-exist"}} {
		o.Dir = t.TempDir()
		if _, err := Run(context.Background(), o); !errors.Is(err, core.ErrUsage) {
			t.Errorf("%+v: %v, want a usage error", o, err)
		}
	}
}

// TestFromCountsDevices: --from counts devices, not problems: a file
// with three problems is one failure, and a file that is no facts
// document is passed over; a folder with nothing to collect is no pass.
func TestFromCountsDevices(t *testing.T) {
	dir, from := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte("apiVersion: estate/v1\nkind: Settings\n"), 0o644)
	os.WriteFile(filepath.Join(from, "lt-1.yaml"), []byte("apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-23T06:00:00Z\ncollector: {name: file}\nidentity: {serial: SER1, hostname: lt-1}\n"), 0o644)
	os.WriteFile(filepath.Join(from, "bad.yaml"), []byte("apiVersion: estate/v1\nkind: Facts\ncollected_at: yesterday\ncollector: {name: 7}\nidentity: {serial: SER2}\nos: {family: beos}\n"), 0o644)
	os.WriteFile(filepath.Join(from, "notes.txt"), []byte("not facts\n"), 0o644)
	res, err := Run(context.Background(), Options{Dir: dir, From: from, Out: filepath.Join(dir, "facts"), Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Reason, "more problem") {
		t.Fatalf("written %+v, failed %+v", res.Written, res.Failed)
	}
	empty := t.TempDir()
	if _, err := Run(context.Background(), Options{Dir: dir, From: empty, Out: filepath.Join(dir, "facts")}); !errors.Is(err, core.ErrUsage) {
		t.Fatalf("an empty folder: %v, want a usage error", err)
	}
}
