package load

import (
	"runtime"
	"runtime/debug"
	"time"
)

// ParsePlain exposes the plain-style parser to the tests of package load_test.
var ParsePlain = parsePlain

// FastestRatio runs big and small n times each, interleaved, and returns
// the ratio of their fastest runs: a measure of how work grows that a
// busy machine skews far less than a wall-clock limit.
func FastestRatio(n int, big, small func()) float64 {
	// Collect before each run and not during it, so that what is
	// measured is the work, not when the collector happens to run.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	fastest := func(f func()) time.Duration {
		runtime.GC()
		start := time.Now()
		f()
		return time.Since(start)
	}
	var b, s time.Duration
	for i := range n {
		db, ds := fastest(big), fastest(small)
		if i == 0 || db < b {
			b = db
		}
		if i == 0 || ds < s {
			s = ds
		}
	}
	return float64(b) / float64(max(s, time.Microsecond))
}
