//go:build !unix

package validate_test

import "time"

// cpuTime falls back to the wall clock where the process's CPU time is
// not at hand.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
