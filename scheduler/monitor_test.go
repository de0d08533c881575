package scheduler_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Tests of the monitor goroutine (monitor.go): stall reports.

// A tasklet that runs without ticking is reported once. It runs until the
// report is counted (at most 10 s: on a loaded machine the monitor may
// take long to get a thread), then as long again as the stall took, so
// that a second report would have had time to come.
func TestStallReportedOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf syncBuffer
	s := newSched(t, scheduler.WithStallReport(5*time.Millisecond), scheduler.WithLogger(zerolog.New(&buf)))
	defer closeSched(t, s)
	_, err := s.SpawnNamed("busy", func(t *tasklet.Tasklet) {
		start := time.Now()
		for s.Stats().Stalls == 0 && time.Since(start) < 10*time.Second {
		}
		for d := max(time.Since(start), 60*time.Millisecond); time.Since(start) < 2*d; {
		}
	})
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, "stall"), out)
	assert.Contains(t, out, `"tasklet":"busy"`)
	assert.Contains(t, out, "scheduler_test.TestStallReportedOnce", "with the tasklet's stack")
	assert.EqualValues(t, 1, s.Stats().Stalls)
}

// syncBuffer is a bytes.Buffer safe for the monitor goroutine's logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
