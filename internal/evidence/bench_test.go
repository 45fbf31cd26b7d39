package evidence

import (
	"context"
	"testing"
)

// benchChanges is the size of the benchmark's history: changes merged,
// each recorded in the ledger, an audit after every tenth.
const benchChanges = 120

// BenchmarkEvidence gathers and renders the evidence of one change, and
// of a sample of 25, on a repository of benchChanges changes (every
// fifth raising the baseline) and their ledger.
func BenchmarkEvidence(b *testing.B) {
	w := newWorld(b)
	for i := 1; i <= benchChanges; i++ {
		w.change(i%7 != 0, i%5 == 0)
		if i%10 == 0 {
			w.audit()
		}
	}
	ctx := context.Background()
	out := b.TempDir()
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"one", Options{Dir: w.dir, Target: "CR-2026-0060"}},
		{"sample25", Options{Dir: w.dir, Sample: 25, Period: "2026-Q3"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.o.Now = start.AddDate(0, 6, 0)
			packs := 0
			for b.Loop() {
				res, err := Run(ctx, c.o)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Write(out, res.Packs); err != nil {
					b.Fatal(err)
				}
				packs = len(res.Packs)
			}
			b.ReportMetric(float64(packs), "packs")
		})
	}
}
