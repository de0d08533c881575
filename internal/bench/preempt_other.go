//go:build !linux

// Involuntary context switches where they are not known.

package bench

// threadPreemptions is not known here: -1.
func threadPreemptions() int64 { return -1 }
