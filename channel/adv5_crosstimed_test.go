package channel_test

import (
	"errors"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Timed receives and sends between two schedulers on separate goroutines
// (real clock), racing their deadlines: each pair of rounds ends with an
// untimed rendezvous on a second channel. A timer that a completed (or
// timed-out) wait left behind must never cut the untimed one (no
// ErrTimeout from Receive/Send), a completed timed op has its value, and a
// timed op that ran out had no effect (every value sent is received at
// most once, in order). Run with -race.
func TestAdv5CrossSchedulerTimedRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	const rounds = 300
	ch, sync2 := channel.New[int](), channel.New[int]()
	var mu sync.Mutex
	bad := &schedtest.Faults{Max: 10}
	var got, sent []int
	fail := bad.Add
	var ready, wg sync.WaitGroup
	ready.Add(2)
	start := make(chan struct{})
	run := func(name string, body func(s *scheduler.Scheduler, me *tasklet.Tasklet)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scheduler.New(scheduler.WithName(name))
			if err != nil {
				fail("new: %v", err)
				ready.Done()
				return
			}
			defer func() {
				if err := s.Close(); err != nil {
					fail("close %s: %v", name, err)
				}
			}()
			w, _ := s.Waker()
			if _, err := s.SpawnNamed(name, func(me *tasklet.Tasklet) { body(s, me) }); err != nil {
				fail("spawn: %v", err)
			}
			ready.Done()
			<-start
			w.Release()
			if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
				fail("run %s: %v", name, err)
			}
		}()
	}
	run("V", func(s *scheduler.Scheduler, me *tasklet.Tasklet) {
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < rounds; i++ {
			d := time.Duration(rng.Intn(300)) * time.Microsecond
			v, err := ch.ReceiveTimeout(me, d)
			switch {
			case err == nil:
				mu.Lock()
				got = append(got, v)
				mu.Unlock()
			case errors.Is(err, tasklet.ErrTimeout):
			default:
				fail("V timed %d: %v", i, err)
			}
			if _, err := sync2.Receive(me); err != nil {
				fail("V untimed %d: %v", i, err)
			}
		}
	})
	run("P", func(s *scheduler.Scheduler, me *tasklet.Tasklet) {
		rng := rand.New(rand.NewSource(2))
		for i := 0; i < rounds; i++ {
			if rng.Intn(2) == 0 {
				_ = me.Sleep(time.Duration(rng.Intn(200)) * time.Microsecond)
			}
			err := ch.SendTimeout(me, i, time.Duration(rng.Intn(300))*time.Microsecond)
			switch {
			case err == nil:
				mu.Lock()
				sent = append(sent, i)
				mu.Unlock()
			case errors.Is(err, tasklet.ErrTimeout):
			default:
				fail("P timed %d: %v", i, err)
			}
			if err := sync2.Send(me, i); err != nil {
				fail("P untimed %d: %v", i, err)
			}
		}
	})
	ready.Wait()
	close(start)
	schedtest.Within(t, 60*time.Second, wg.Wait)
	assert.Empty(t, bad.List())
	assert.Equal(t, sent, got, "a timed send that succeeded was received, and nothing else")
}
