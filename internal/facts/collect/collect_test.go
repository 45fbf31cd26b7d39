package collect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
)

func TestRunFrom(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "export")
	os.MkdirAll(from, 0o755)
	os.WriteFile(filepath.Join(from, "lt-1.yaml"), []byte("apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-23T06:00:00Z\ncollector: {name: file}\nidentity: {serial: SER1, hostname: lt-1}\n"), 0o644)
	os.WriteFile(filepath.Join(from, "bad.json"), []byte(`{"apiVersion": "estate/v1", "kind": "Facts", "collected_at": "2026-11-23T06:00:00Z",
 "collector": {"name": "file"}, "identity": {"serial": "SER2"}, "security": {"disk_encryption": "yes"}}`), 0o644)
	res, err := Run(context.Background(), Options{Dir: dir, From: from, Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || res.Written[0].Rel != "facts/lt-1.json" || len(res.Failed) != 1 || res.Out != filepath.Join(dir, "facts") {
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
