// Command crossthread runs two schedulers on goroutines locked to their own
// OS threads (as a game's main thread and a worker thread would be),
// started with scheduler.StartThreads and its start-up barrier, and a
// plain goroutine that feeds messages in, an "upcall" from a thread the
// runtime did not create. They share a Condition-guarded queue and a Lock:
// the same stacklesslib locks work between tasklets of different threads.
//
//	go run ./examples/crossthread
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func main() {
	messages := flag.Int("messages", 200_000, "messages the alien goroutine feeds in")
	flag.Parse()
	if err := run(os.Stdout, *messages); err != nil {
		fmt.Fprintln(os.Stderr, "crossthread:", err)
		os.Exit(1)
	}
}

// queue is a FIFO guarded by a Condition, shared by every thread.
type queue struct {
	cond  *locks.Condition
	items []int
	done  bool
}

func (q *queue) put(t *tasklet.Tasklet, v int) error {
	if err := q.cond.Acquire(t); err != nil {
		return err
	}
	defer q.cond.Release(t)
	q.items = append(q.items, v)
	return q.cond.Notify(t, 1)
}

func (q *queue) finish(t *tasklet.Tasklet) error {
	if err := q.cond.Acquire(t); err != nil {
		return err
	}
	defer q.cond.Release(t)
	q.done = true
	return q.cond.NotifyAll(t)
}

// get returns the next item, or false when the queue is finished and empty.
func (q *queue) get(t *tasklet.Tasklet) (int, bool, error) {
	if err := q.cond.Acquire(t); err != nil {
		return 0, false, err
	}
	defer q.cond.Release(t)
	for len(q.items) == 0 && !q.done {
		if err := q.cond.Wait(t); err != nil {
			return 0, false, err
		}
	}
	if len(q.items) == 0 {
		return 0, false, nil
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, true, nil
}

func run(out io.Writer, messages int) error {
	q := &queue{cond: locks.NewCondition(&locks.Lock{})}
	var tallyMu locks.Lock // guards sum and per, across threads
	var sum int64
	per := map[string]int{}

	const consumersPerThread = 4
	threads := []string{"thread-A", "thread-B"}
	// One scheduler per locked OS thread. StartThreads returns once both
	// exist and their consumers are spawned (the start-up barrier), and
	// holds both until Wait: the feeder below may come later.
	g, err := scheduler.StartThreads(len(threads), func(i int, s *scheduler.Scheduler) error {
		thread := threads[i]
		for c := range consumersPerThread {
			name := fmt.Sprintf("%s/consumer-%d", thread, c)
			if _, err := s.SpawnNamed(name, func(t *tasklet.Tasklet) {
				for {
					v, ok, err := q.get(t)
					if err != nil || !ok {
						return
					}
					if tallyMu.Acquire(t) != nil {
						return
					}
					sum += int64(v)
					per[thread]++
					tallyMu.Release(t)
				}
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// The alien: a goroutine the runtime did not create feeds messages in.
	// It calls in again and again, so it keeps one scheduler of its own
	// (its main tasklet) rather than creating one per call.
	begin := time.Now()
	alien, err := scheduler.New(scheduler.WithName("alien"))
	if err != nil {
		return errors.Join(err, g.Wait())
	}
	var feedErr error
	for i := 1; i <= messages && feedErr == nil; i++ {
		feedErr = q.put(alien.Main(), i)
	}
	if feedErr == nil {
		feedErr = q.finish(alien.Main())
	}
	waitErr := g.Wait()
	elapsed := time.Since(begin)
	if err := errors.Join(feedErr, waitErr, alien.Close()); err != nil {
		return err
	}
	want := int64(messages) * int64(messages+1) / 2
	fmt.Fprintf(out, "%d messages from an alien goroutine to %d consumers on 2 locked threads in %v\n",
		messages, 2*consumersPerThread, elapsed.Round(time.Millisecond))
	fmt.Fprintf(out, "thread-A took %d, thread-B took %d; throughput %.0f messages/s\n",
		per["thread-A"], per["thread-B"], float64(messages)/elapsed.Seconds())
	if sum != want || per["thread-A"]+per["thread-B"] != messages {
		return fmt.Errorf("lost or duplicated messages: sum %d, want %d", sum, want)
	}
	fmt.Fprintln(out, "every message consumed exactly once")
	fmt.Fprintln(out, splitNote)
	return nil
}

// splitNote explains the per-thread split, which varies from run to run.
const splitNote = `(the split is not even, and changes from run to run: each put notifies the
consumer that has waited longest, whichever thread it is on, and a consumer
woken on a thread that is already running takes the next items too while
the other thread's consumers sleep; only the totals are exact)`
