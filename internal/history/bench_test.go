package history

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/synth"
)

// benchRepo is $ESTATE_HISTORY_DIR (the 50,000-commit repository of
// docs/performance.md, see synth.TestHistoryLarge) or a small generated one.
func benchRepo(b *testing.B) (dir, head, path string) {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	if dir = os.Getenv("ESTATE_HISTORY_DIR"); dir == "" {
		dir = b.TempDir()
		if _, err := synth.History(context.Background(), dir, synth.HistoryConfig{Commits: 2000, Records: 500, Seed: 42}); err != nil {
			b.Fatal(err)
		}
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	c, err := repo.Resolve("main")
	if err != nil {
		b.Fatal(err)
	}
	// the record with the longest history
	idx := Load(must(CachePath(repo)))
	if idx == nil || idx.Head != c.Hash {
		if idx, err = Build(context.Background(), repo, nil, c.Hash); err != nil {
			b.Fatal(err)
		}
	}
	for p, es := range idx.Paths {
		if len(es) > len(idx.Paths[path]) && len(p) > 10 && p[:10] == "inventory/" {
			path = p
		}
	}
	return dir, c.Hash, path
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// BenchmarkBuild is the cold index: one pass over the whole history.
func BenchmarkBuild(b *testing.B) {
	dir, head, _ := benchRepo(b)
	for b.Loop() {
		repo, _ := gitrepo.Open(dir)
		if _, err := Build(context.Background(), repo, nil, head); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFollowWarm is estate history's work with the index cached:
// load it, follow one record (rename detection cached too).
func BenchmarkFollowWarm(b *testing.B) {
	dir, head, path := benchRepo(b)
	repo, _ := gitrepo.Open(dir)
	idx, err := Build(context.Background(), repo, nil, head)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := idx.Follow(context.Background(), repo, path); err != nil {
		b.Fatal(err)
	}
	cache := b.TempDir() + "/history.idx"
	if err := Save(cache, idx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		idx := Load(cache)
		if _, err := idx.Follow(context.Background(), repo, path); err != nil {
			b.Fatal(err)
		}
	}
}

// hotRepo is $ESTATE_HISTORY_BENCH_DIR (synth.HistoryBenchConfig: a
// record changed by 7,000 of 20,000 commits, see docs/performance.md) or
// the same shape at a tenth of the size.
func hotRepo(b *testing.B) (repo *gitrepo.Repo, head, path string) {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := os.Getenv("ESTATE_HISTORY_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
		cfg := synth.HistoryBenchConfig()
		cfg.Commits, cfg.Records, cfg.Hot, cfg.Ledger, cfg.Repack = 2000, 200, 700, false, false
		if _, err := synth.History(ctx, dir, cfg); err != nil {
			b.Fatal(err)
		}
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { repo.Close() })
	c, err := repo.Resolve("main")
	if err != nil {
		b.Fatal(err)
	}
	// The hot record is the first asset of the import.
	out, err := exec.Command("git", "-C", dir, "log", "--first-parent", "--format=", "--name-only", "--reverse", "--diff-filter=A", "main", "--", "inventory/desktop/").Output()
	if err != nil || len(out) == 0 {
		b.Fatalf("find the hot record: %v", err)
	}
	path, _, _ = strings.Cut(string(out), "\n")
	return repo, c.Hash, path
}

// BenchmarkHistoryHot is estate history's work for the record changed
// by a third of the commits: the index of its folder built (cold) or
// loaded (warm), the record followed, every version read and diffed.
func BenchmarkHistoryHot(b *testing.B) {
	repo, head, path := hotRepo(b)
	ctx := context.Background()
	run := func(b *testing.B, idx *Index) {
		steps, err := idx.Follow(ctx, repo, path)
		if err != nil {
			b.Fatal(err)
		}
		rec, err := Describe(ctx, repo, head, path, steps, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rec.Changes)), "changes")
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			idx, err := BuildScoped(ctx, repo, nil, head, []string{path})
			if err != nil {
				b.Fatal(err)
			}
			run(b, idx)
		}
	})
	b.Run("warm", func(b *testing.B) {
		idx, err := BuildScoped(ctx, repo, nil, head, []string{path})
		if err != nil {
			b.Fatal(err)
		}
		cache := b.TempDir() + "/history.idx"
		if err := Save(cache, idx); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			run(b, Load(cache))
		}
	})
	b.Run("describe", func(b *testing.B) {
		idx, err := BuildScoped(ctx, repo, nil, head, []string{path})
		if err != nil {
			b.Fatal(err)
		}
		steps, err := idx.Follow(ctx, repo, path)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := Describe(ctx, repo, head, path, steps, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
