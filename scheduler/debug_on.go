//go:build race || stackless_debug

package scheduler

// debugChecks turns on the goroutine checks of the debug mode: on under the
// race detector (go test -race) and with the stackless_debug build tag. See
// checkGoroutine.
const debugChecks = true
