//go:build !race && !stackless_debug

package scheduler

// debugChecks is off: see debug_on.go.
const debugChecks = false
