package core

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

const goodFacts = "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-22T10:00:00Z\ncollector: {name: file}\nidentity: {serial: S3}\n"
const badFacts = "apiVersion: estate/v1\nkind: Facts\ncollected_at: 2026-11-22T10:00:00Z\ncollector: {name: carrier-pigeon}\nidentity: {}\n"

func TestReadFacts(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()

	// No facts/ folder: no facts, unless they are required.
	got, err := ReadFacts(ctx, FactsOptions{Root: root})
	if err != nil || len(got.Devices) != 0 || got.Dir != "" {
		t.Fatalf("no facts/: %+v, %v", got, err)
	}
	if _, err := ReadFacts(ctx, FactsOptions{Root: root, Required: true}); !errors.Is(err, ErrUsage) {
		t.Errorf("required and missing: %v, want a usage error", err)
	}
	if _, err := ReadFacts(ctx, FactsOptions{Root: root, Dir: filepath.Join(root, "nowhere")}); !errors.Is(err, ErrUsage) {
		t.Errorf("a named folder that does not exist: %v, want a usage error", err)
	}

	// facts/ by default, with paths from the repository.
	if err := os.MkdirAll(filepath.Join(root, "facts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"good.yaml": goodFacts, "x.yaml": badFacts, "README.md": "# not facts\n"} {
		if err := os.WriteFile(filepath.Join(root, "facts", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err = ReadFacts(ctx, FactsOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Devices) != 1 || got.Devices[0].Facts == nil || got.Devices[0].Facts.Identity.Serial != "S3" {
		t.Fatalf("devices: %+v", got.Devices)
	}
	broken := 0
	for _, f := range got.Findings {
		if f.Severity >= record.SevMedium {
			broken++
			if f.Pos.File != "facts/x.yaml" || f.Pos.Line != 4 {
				t.Errorf("the broken document is at %s, want facts/x.yaml:4", f.Pos)
			}
		}
	}
	if broken != 1 {
		t.Errorf("findings: %+v, want one broken document", got.Findings)
	}

	// A named folder: paths as the user named it.
	got, err = ReadFacts(ctx, FactsOptions{Root: t.TempDir(), Dir: filepath.Join(root, "facts") + "/"})
	if err != nil || len(got.Devices) != 1 || !strings.HasPrefix(got.Devices[0].Source, filepath.Join(root, "facts")+"/") {
		t.Errorf("named folder: %+v, %v", got, err)
	}
}
