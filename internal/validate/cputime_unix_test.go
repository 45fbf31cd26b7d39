//go:build unix

package validate_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system): a
// measure of work that other processes on the machine do not inflate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
