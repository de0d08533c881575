//go:build !linux

package bench

// threadPreemptions is not known here: -1.
func threadPreemptions() int64 { return -1 }
