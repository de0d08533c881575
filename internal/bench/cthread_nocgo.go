//go:build !cgo

// C-thread benchmarks without cgo: skipped.

package bench

import "testing"

// HaveCThreads reports whether the C-thread rows exist (built with cgo).
const HaveCThreads = false

// CThreadUpcall needs cgo; without it the benchmark is skipped.
func CThreadUpcall(int) func(b *testing.B) {
	return func(b *testing.B) { b.Skip("the C-thread rows need cgo") }
}

// CThreadGoChannel needs cgo; without it the benchmark is skipped.
func CThreadGoChannel(int) func(b *testing.B) {
	return func(b *testing.B) { b.Skip("the C-thread rows need cgo") }
}
