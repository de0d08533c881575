package scheduler_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

type adv3SyncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *adv3SyncBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// A stall report (slow path) for a new tasklet spinning in its first
// instruction, inside a burst, with a TimeBudget whose monitor also runs:
// the stall is counted once per stall, the TimeBudget interrupts the spinner
// at its next tick, the rest of the burst keeps creation order, and Close
// stops the monitor (no goroutine leak).
func TestAdv3StallInFirstInstruction(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, budget := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run(budget.String(), func(t *testing.T) {
			schedtest.Within(t, 20*time.Second, func() {
				var buf adv3SyncBuf
				s, err := scheduler.New(scheduler.WithStallReport(5*time.Millisecond), scheduler.WithLogger(zerolog.New(&buf)))
				if !assert.NoError(t, err) {
					return
				}
				var order []int
				for i := 0; i < 100; i++ {
					i := i
					_, err := s.Spawn(func(me *tasklet.Tasklet) {
						order = append(order, i)
						if i == 10 {
							end := time.Now().Add(60 * time.Millisecond)
							for time.Now().Before(end) {
							}
							me.Tick()
							order = append(order, 1000)
						}
					})
					assert.NoError(t, err)
				}
				var opts []scheduler.RunOption
				if budget > 0 {
					opts = append(opts, scheduler.TimeBudget(budget))
				}
				for r := 0; r < 10; r++ {
					v, err := s.Run(opts...)
					assert.NoError(t, err)
					if v == nil {
						break
					}
					assert.NoError(t, v.Insert())
				}
				assert.EqualValues(t, 1, s.Stats().Stalls, "one stall, counted once")
				assert.Len(t, order, 101)
				if budget > 0 {
					assert.GreaterOrEqual(t, s.Stats().Interrupts, uint64(1))
					assert.Equal(t, 1000, order[len(order)-1], "the interrupted spinner goes to the end")
				} else {
					assert.Equal(t, 1000, order[11])
				}
				assert.NoError(t, s.Close())
				buf.mu.Lock()
				assert.Contains(t, buf.b.String(), "adv3_stall_test.go", "report carries the tasklet's stack")
				buf.mu.Unlock()
			})
		})
	}
}

func fmtSscan(s string, p *int) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, nil
		}
		n = n*10 + int(c-'0')
	}
	*p = n
	return 1, nil
}
