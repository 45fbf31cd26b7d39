package synth

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed, and CI=true needs it")
		}
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	st, err := History(context.Background(), dir, HistoryConfig{Commits: 300, Records: 50, Seed: 1, Ledger: true, Bypass: true, Repack: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Commits < 300 || st.Merges == 0 || st.Squashes == 0 || st.Direct == 0 || st.Renames == 0 {
		t.Fatalf("stats: %+v", st)
	}
	out, err := exec.Command("git", "-C", dir, "rev-list", "--count", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != itoa(st.Commits) {
		t.Fatalf("git counts %s commits, the generator %d", got, st.Commits)
	}
	// Repacked: one pack, nothing loose.
	out, err = exec.Command("git", "-C", dir, "count-objects", "-v").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\npacks: 1\n") || !strings.HasPrefix(string(out), "count: 0\n") {
		t.Errorf("after Repack, git count-objects -v says:\n%s", out)
	}
	out, err = exec.Command("git", "-C", dir, "rev-list", "--count", "refs/estate/ledger").Output()
	if err != nil {
		t.Fatal(err)
	}
	// every first-parent commit but the import and the direct pushes
	if got, want := strings.TrimSpace(string(out)), itoa(st.FirstParent-1-st.Direct); got != want || st.Entries != st.FirstParent-1-st.Direct {
		t.Fatalf("ledger has %s commits (%d entries), want %s", got, st.Entries, want)
	}
	// Same seed, same history.
	dir2 := t.TempDir()
	st2, err := History(context.Background(), dir2, HistoryConfig{Commits: 300, Records: 50, Seed: 1, Ledger: true, Bypass: true, Repack: true})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Head != st.Head {
		t.Fatalf("seed 1 made %s, then %s", st.Head, st2.Head)
	}
}

// TestHistoryLarge writes the benchmark repository of docs/performance.md
// (50,000 commits over 20,000 records, with a ledger) to
// $ESTATE_HISTORY_DIR; skipped unless that is set.
func TestHistoryLarge(t *testing.T) {
	dir := os.Getenv("ESTATE_HISTORY_DIR")
	if dir == "" {
		t.Skip("set ESTATE_HISTORY_DIR to write the large benchmark history")
	}
	start := time.Now()
	st, err := History(context.Background(), dir, HistoryConfig{Commits: 50000, Records: 20000, Seed: 42, Ledger: true, Repack: true, Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %s: %+v", dir, time.Since(start).Round(time.Millisecond),
		struct{ Commits, FirstParent, Merges, Squashes, Direct, Renames, Removed, Added, Entries, Paths int }{
			st.Commits, st.FirstParent, st.Merges, st.Squashes, st.Direct, st.Renames, st.Removed, st.Added, st.Entries, len(st.Paths)})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestHistoryBench writes the repository of the history benchmark of
// docs/performance.md (HistoryBenchConfig) to $ESTATE_HISTORY_BENCH_DIR;
// skipped unless that is set.
func TestHistoryBench(t *testing.T) {
	dir := os.Getenv("ESTATE_HISTORY_BENCH_DIR")
	if dir == "" {
		t.Skip("set ESTATE_HISTORY_BENCH_DIR to write the history benchmark's repository")
	}
	start := time.Now()
	cfg := HistoryBenchConfig()
	cfg.Progress = os.Stderr
	st, err := History(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %s: %d commits (%d first-parent), %s changed by %d", dir, time.Since(start).Round(time.Millisecond),
		st.Commits, st.FirstParent, st.HotPath, st.HotChanges)
}

// TestHistoryHot: the hot record is added by the import and changed by about cfg.Hot first-parent
// commits, as git log counts them.
func TestHistoryHot(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	st, err := History(context.Background(), dir, HistoryConfig{Commits: 400, Records: 30, Seed: 3, Hot: 150})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", dir, "log", "--first-parent", "--format=%H", "main", "--", st.HotPath).Output()
	if err != nil {
		t.Fatal(err)
	}
	n := len(strings.Fields(string(out)))
	if st.HotPath == "" || n != st.HotChanges+1 || n < 145 || n > 155 {
		t.Fatalf("%s changed by %d first-parent commits, want about 150 (stats say %d)", st.HotPath, n, st.HotChanges)
	}
}
