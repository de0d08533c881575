package schedtest

import (
	"runtime"
	"testing"
	"time"
)

// Within runs body on a fresh goroutine (which becomes the driver of the
// schedulers body creates) and returns when body has returned. If body has
// not returned after d, or after half the time left before the test's
// deadline (go test -timeout) when that comes sooner, Within fails the test
// with the stack of every goroutine: a hang is a finding, reported with
// what each tasklet waits in, not a timeout of the whole suite. d bounds a
// hang only; it is not an assertion on wall time.
//
// Within must be called from the test's goroutine (it may call t.Fatalf).
// After a hang body's goroutine is left running; the test has failed.
func Within(t *testing.T, d time.Duration, body func()) {
	t.Helper()
	if dl, ok := t.Deadline(); ok && time.Until(dl)/2 < d {
		d = time.Until(dl) / 2
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
	}()
	select {
	case <-done:
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("hang after %v:\n%s", d, buf[:n])
	}
}
