package validate_test

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/synth"
	"github.com/estate-dev/estate/internal/validate"
)

// BenchmarkValidateCold validates a generated estate of 10,000 assets on
// disk with no cache, on all cores. docs/performance.md has the 100,000
// file comparison with cue vet.
func BenchmarkValidateCold(b *testing.B) {
	dir := b.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 10000, Seed: 1})); err != nil {
		b.Fatal(err)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := validate.Run(context.Background(), validate.Options{Tree: d, Workers: runtime.GOMAXPROCS(0)})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) != 0 {
			b.Fatalf("findings: %v", res.Findings[0])
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "files/s")
}

var _ = os.Getenv
