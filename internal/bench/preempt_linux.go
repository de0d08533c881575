//go:build linux

// Involuntary context switches of the calling thread, on Linux.

package bench

import "syscall"

// threadPreemptions returns how many times the OS has taken the calling
// thread's CPU away from it (involuntary context switches), or -1 where
// that is not known.
func threadPreemptions() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return -1
	}
	return ru.Nivcsw
}
