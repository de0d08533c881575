package torture

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stackless-go/stackless/scheduler"
)

// fleet is n schedulers, each driven by a goroutine of its own. All exist
// before any of their tasklets run, so none is wrongly deadlocked.
type fleet struct {
	s     []*scheduler.Scheduler
	start chan struct{}
	wg    sync.WaitGroup
}

// startFleet creates n schedulers; setup(i, s) runs on scheduler i's
// goroutine; after start() each runs Run(ThreadBlock) until nothing can wake
// it, then closes.
func startFleet(t *testing.T, n int, setup func(i int, s *scheduler.Scheduler)) *fleet {
	f := &fleet{s: make([]*scheduler.Scheduler, n), start: make(chan struct{})}
	var ready sync.WaitGroup
	ready.Add(n)
	f.wg.Add(n)
	for i := range n {
		go func() {
			defer f.wg.Done()
			s, err := scheduler.New()
			if !assert.NoError(t, err) {
				ready.Done()
				return
			}
			f.s[i] = s
			setup(i, s)
			ready.Done()
			<-f.start
			for {
				if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
					continue // an uncaught error is the test's to assert
				}
				if s.Len() == 0 {
					break
				}
				if !s.Main().IsCurrent() {
					break
				}
				if s.RunCount() <= 1 && !anyBlocked(s) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			assert.NoError(t, s.Close())
		}()
	}
	ready.Wait()
	return f
}

func anyBlocked(s *scheduler.Scheduler) bool {
	for _, ti := range s.Snapshot() {
		if !ti.Main && ti.State.String() == "blocked" {
			return true
		}
	}
	return false
}

func (f *fleet) run()  { close(f.start) }
func (f *fleet) wait() { f.wg.Wait() }
