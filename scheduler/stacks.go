package scheduler

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
)

// Stacks: what the scheduler reads from goroutine stack dumps (a
// goroutine's id, whether it is locked to an OS thread, every goroutine's
// stack by id), as small parsers of runtime.Stack's text, tested on fixed
// dumps in stacks_test.go.

// lockedToThread reports whether the calling goroutine is locked to an OS
// thread (runtime.LockOSThread), read from its stack header.
func lockedToThread() bool {
	var buf [64]byte
	return headerLocked(buf[:runtime.Stack(buf[:], false)])
}

// headerLocked reports whether the header of a goroutine's stack dump
// ("goroutine 7 [running, locked to thread]:") says it is locked to an OS
// thread.
func headerLocked(b []byte) bool {
	i := bytes.IndexByte(b, ']')
	return i > 0 && bytes.Contains(b[:i], []byte("locked to thread"))
}

// goroutineID returns the calling goroutine's id, read from its stack header.
func goroutineID() int64 {
	var buf [64]byte
	return headerID(buf[:runtime.Stack(buf[:], false)])
}

// headerID returns the goroutine id in the header of a stack dump
// ("goroutine 7 [running]:"), or 0 if there is none.
func headerID(b []byte) int64 {
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, _ := strconv.ParseInt(string(b[:i]), 10, 64)
		return id
	}
	return 0
}

// goroutineStacks returns every goroutine's stack, by id. Parked coroutines
// appear like any goroutine.
func goroutineStacks() map[int64]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return splitStacks(buf)
}

// splitStacks splits a dump of every goroutine's stack (runtime.Stack with
// all set) into each goroutine's block, by id.
func splitStacks(buf []byte) map[int64]string {
	out := make(map[int64]string)
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		var id int64
		if _, err := fmt.Sscanf(string(block), "goroutine %d ", &id); err == nil {
			out[id] = string(block)
		}
	}
	return out
}
