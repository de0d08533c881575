//go:build !unix

// The process's CPU time where it is not available: the wall clock.

package bench

import "time"

var cpuStart = time.Now()

// cpuTime falls back to the wall clock where the process's CPU time is not
// available.
func cpuTime() time.Duration { return time.Since(cpuStart) }
