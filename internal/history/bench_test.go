package history

import (
	"context"
	"os"
	"os/exec"
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
