package scheduler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// A dump of every goroutine's stack as runtime.Stack writes it.
const stacksDump = `goroutine 7 [running, locked to thread]:
main.f()
	/x/main.go:10 +0x1d

goroutine 1 [chan receive]:
main.main()
	/x/main.go:20 +0x2e

goroutine 42 [select, 3 minutes]:
iter.Pull[...].func1()
	/go/src/iter/iter.go:60 +0x15`

func TestStacksHeaderID(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		header string
		id     int64
	}{
		{"goroutine 7 [running]:\nmain.f()", 7},
		{"goroutine 123456 [running, locked to thread]:", 123456},
		{"goroutine x [running]:", 0},
		{"", 0},
		{"thread 7 [running]:", 0},
	} {
		assert.Equal(t, tc.id, headerID([]byte(tc.header)), tc.header)
	}
}

func TestStacksHeaderLocked(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		header string
		locked bool
	}{
		{"goroutine 7 [running, locked to thread]:\n", true},
		{"goroutine 7 [running]:\nmain.f() // locked to thread]", false},
		{"goroutine 7 [running]:\n", false},
		{"", false},
	} {
		assert.Equal(t, tc.locked, headerLocked([]byte(tc.header)), tc.header)
	}
}

func TestStacksSplit(t *testing.T) {
	defer goleak.VerifyNone(t)
	got := splitStacks([]byte(stacksDump))
	assert.Equal(t, map[int64]string{
		7:  "goroutine 7 [running, locked to thread]:\nmain.f()\n\t/x/main.go:10 +0x1d",
		1:  "goroutine 1 [chan receive]:\nmain.main()\n\t/x/main.go:20 +0x2e",
		42: "goroutine 42 [select, 3 minutes]:\niter.Pull[...].func1()\n\t/go/src/iter/iter.go:60 +0x15",
	}, got)
	assert.Empty(t, splitStacks(nil))
}

func TestStacksOfThisGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	id := goroutineID()
	assert.Positive(t, id)
	assert.Contains(t, goroutineStacks()[id], "TestStacksOfThisGoroutine")
}
