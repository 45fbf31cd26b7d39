package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/synth"
)

// benchRepo returns a generated repository with n assets on main and a
// branch "change" that edits touch of them (plus a change request). It is
// built once per machine under the temporary directory (it takes a minute
// for 100,000 records) and packed, as a clone is.
func benchRepo(b *testing.B, n, touch int) string {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	dir := filepath.Join(os.TempDir(), "estate-bench-change-"+strconv.Itoa(n)+"-"+strconv.Itoa(touch)+"-v1")
	done := filepath.Join(dir, ".git", "estate-bench-ready")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := synth.ChangeRepo(ctx, dir, synth.ChangeRepoConfig{Estate: synth.Config{Assets: n, Seed: 1}, Touch: touch, Request: true}); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("git", "repack", "-adq")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git repack: %v\n%s", err, out)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchPlan(b *testing.B, n, touch int) {
	dir := benchRepo(b, n, touch)
	app := &App{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		Log: slog.New(slog.DiscardHandler), dir: dir}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		po, err := (&planOptions{base: "main", head: "change"}).runOptions(app)
		if err != nil {
			b.Fatal(err)
		}
		pr, err := runPlan(context.Background(), app, po)
		if err != nil {
			b.Fatal(err)
		}
		if len(pr.Plan.Records) != touch+1 {
			b.Fatalf("%d record changes; want %d", len(pr.Plan.Records), touch+1)
		}
	}
}

// BenchmarkChangePlan: a pull request touching 1,000 records of a
// 100,000-record repository (docs/performance.md). Compare with
// `git diff --name-only main change` in the same repository.
func BenchmarkChangePlan(b *testing.B) {
	b.Run("records=100000/touched=1000", func(b *testing.B) { benchPlan(b, 100_000, 1000) })
}

// BenchmarkChangePlanSmall is the same on 10,000 records, quick to set up.
func BenchmarkChangePlanSmall(b *testing.B) {
	b.Run("records=10000/touched=100", func(b *testing.B) { benchPlan(b, 10_000, 100) })
}
