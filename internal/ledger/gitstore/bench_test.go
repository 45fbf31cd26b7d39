package gitstore

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/synth"
)

// BenchmarkVerify checks the chain and the coverage of every first-parent
// commit: on $ESTATE_HISTORY_DIR (the 50,000-commit repository of
// docs/performance.md) when set, else on a generated 1,000-commit one.
func BenchmarkVerify(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	dir := os.Getenv("ESTATE_HISTORY_DIR")
	if dir == "" {
		dir = b.TempDir()
		if _, err := synth.History(context.Background(), dir, synth.HistoryConfig{Commits: 1000, Records: 200, Seed: 42, Ledger: true}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		repo, err := gitrepo.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		c, err := repo.Resolve("main")
		if err != nil {
			b.Fatal(err)
		}
		res, err := Verify(context.Background(), &Store{Repo: repo, Ref: "refs/estate/ledger"}, VerifyOptions{Branch: c.Hash, BranchName: "main"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Entries == 0 || res.Commits == 0 {
			b.Fatalf("verified %d entries over %d commits", res.Entries, res.Commits)
		}
		repo.Close()
	}
}
