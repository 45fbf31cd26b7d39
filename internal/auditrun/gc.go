package auditrun

import (
	"os"
	"runtime/debug"
)

// bytesPerDevice is the soft heap limit an audit allows itself for each
// device it judges. At its peak an audit holds the estate, every device's
// facts and every finding: about 6.5 KB of live heap a device on the
// synthetic estates (2.15 asset records and 5 findings a device), so at
// GOGC 100 the heap grew to 2.3 times that (1.5 GB at 100,000 devices).
// A limit of 9 KB a device keeps it near 1.4 times the live heap for the
// cost of some more collection: 100,000 devices audit in under 1 GB
// (docs/performance.md), and a million get a limit of 9 GB they do not
// reach, so the collector never runs without pause there.
const bytesPerDevice = 9 << 10

// minMemoryLimit is the least limit: small estates have small heaps.
const minMemoryLimit = 512 << 20

// tuneGC sets the soft memory limit for an audit of devices devices and
// returns what restores it; a GOMEMLIMIT in the environment wins.
func tuneGC(devices int) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(max(minMemoryLimit, int64(devices)*bytesPerDevice))
	return func() { debug.SetMemoryLimit(prev) }
}
