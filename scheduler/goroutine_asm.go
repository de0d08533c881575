//go:build amd64 || arm64

package scheduler

// currentG identifies the calling goroutine: the address of its runtime
// descriptor, read from the thread's goroutine register (a few nanoseconds,
// where goroutineID's stack read costs microseconds). Two goroutines alive
// at the same time never share it, which is all the checks that use it need
// (is the caller the running tasklet's coroutine, or the driver?). It is no
// goroutine id: the runtime reuses descriptors of goroutines that ended.
func currentG() uintptr
