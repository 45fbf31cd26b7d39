package reports

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/core"
)

func needGit(t testing.TB) { gittest.NeedCLI(t) }

// gitCommitAt commits everything in dir at day (10:00 UTC) and returns
// the commit.
func gitCommitAt(t *testing.T, dir, day, msg string) string {
	t.Helper()
	env := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_AUTHOR_DATE="+day+"T10:00:00Z", "GIT_COMMITTER_DATE="+day+"T10:00:00Z")
	for _, args := range [][]string{{"add", "."}, {"commit", "-q", "-m", msg}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out[:40])
}

func TestAsOf(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := writeEstate(t, smallEstate)
	if out, err := exec.Command("git", "-C", dir, "init", "-q", "-b", "main").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	first := gitCommitAt(t, dir, "2026-10-01", "first")
	if err := os.Remove(filepath.Join(dir, "inventory", "monitor", "MN-2.yaml")); err != nil {
		t.Fatal(err)
	}
	second := gitCommitAt(t, dir, "2026-11-10", "second")
	env := Env{Dir: dir, Now: testNow}

	for _, c := range []struct {
		asOf, rev string
		when      time.Time
	}{
		{"", "", testNow},
		{"2026-10-20", first, time.Date(2026, 10, 20, 23, 59, 59, 0, time.UTC)},
		{"2026-11-10", second, time.Date(2026, 11, 10, 23, 59, 59, 0, time.UTC)},
		{"2026-11-10T09:00:00Z", first, time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)},
		{"main~1", first, time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)},
	} {
		rev, when, err := AsOf(ctx, env, nil, c.asOf)
		if err != nil || rev != c.rev || !when.Equal(c.when) {
			t.Errorf("AsOf(%q) = %.7s, %s, %v; want %.7s, %s", c.asOf, rev, when, err, c.rev, c.when)
		}
	}
	for _, bad := range []string{"2026-01-01", "no-such-rev"} {
		if _, _, err := AsOf(ctx, env, nil, bad); !errors.Is(err, core.ErrUsage) {
			t.Errorf("AsOf(%q): %v, want a usage error", bad, err)
		}
	}
	if _, _, err := AsOf(ctx, Env{Dir: t.TempDir()}, nil, "2026-10-20"); !errors.Is(err, core.ErrUsage) {
		t.Errorf("outside git: %v, want a usage error", err)
	}

	// The report as of a date between the commits shows the estate then,
	// with no ledger (none was written).
	r, err := Status(ctx, StatusOptions{Env: env, AsOf: "2026-10-20", Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != first || r.Inventory.ByKind["Asset"] != 2 || r.Changes.LedgerEntries != 0 {
		t.Errorf("report as of 2026-10-20: revision %.7s, %d assets, %d entries", r.Revision, r.Inventory.ByKind["Asset"], r.Changes.LedgerEntries)
	}
	r, err = Status(ctx, StatusOptions{Env: env, Period: "month"})
	if err != nil || r.Inventory.ByKind["Asset"] != 1 {
		t.Errorf("report of now: %+v, %v", r, err)
	}
}
