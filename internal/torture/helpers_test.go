package torture

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// fleet is n schedulers, each driven by a goroutine of its own. All exist
// before any of their tasklets run, so none is wrongly deadlocked.
type fleet struct {
	s     []*scheduler.Scheduler
	start chan struct{}
	wg    sync.WaitGroup
}

// startFleet creates n schedulers; setup(i, s) runs on scheduler i's
// goroutine; after start() each runs Run(ThreadBlock) until its tasklets
// have ended or none is blocked any more, then closes. An uncaught error
// from a tasklet fails the test.
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
				_, err := s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err, "uncaught error in a tasklet")
				if s.Len() == 0 || !anyBlocked(s) {
					break
				}
				// Blocked tasklets that a plain goroutine (the test's
				// killer) may still wake: the registry cannot know.
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
		if !ti.Main && ti.State == tasklet.Blocked {
			return true
		}
	}
	return false
}

func (f *fleet) run()  { close(f.start) }
func (f *fleet) wait() { f.wg.Wait() }
