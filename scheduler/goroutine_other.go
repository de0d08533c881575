//go:build !amd64 && !arm64

package scheduler

// currentG identifies the calling goroutine (see goroutine_asm.go); on
// this architecture it is the goroutine id, read from the stack header.
func currentG() uintptr { return uintptr(goroutineID()) }
