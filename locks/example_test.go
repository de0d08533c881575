package locks_test

import (
	"errors"
	"fmt"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Two tasklets update a shared record; each yields in the middle of its
// update, but the Lock keeps the other out until it is done.
func ExampleLock() {
	s, _ := scheduler.New()
	defer s.Close()
	var mu locks.Lock
	balance := 100
	transfer := func(name string, amount int) func(*tasklet.Tasklet) {
		return func(t *tasklet.Tasklet) {
			if err := mu.Acquire(t); err != nil {
				return
			}
			defer mu.Release(t)
			b := balance
			fmt.Printf("%s reads %d\n", name, b)
			t.Schedule() // the other tasklet runs, and waits for the lock
			balance = b + amount
			fmt.Printf("%s writes %d\n", name, balance)
		}
	}
	s.Spawn(transfer("a", 10))
	s.Spawn(transfer("b", -30))
	s.Run()
	fmt.Println("balance", balance)
	// Output:
	// a reads 100
	// a writes 110
	// b reads 110
	// b writes 80
	// balance 80
}

// A Lock can be handed to code written against sync.Locker, bound to the
// tasklet that will use it.
func ExampleLock_Locker() {
	s, _ := scheduler.New()
	defer s.Close()
	var mu locks.Lock
	l := mu.Locker(s.Main())
	l.Lock()
	fmt.Println("locked:", mu.Locked())
	l.Unlock()
	fmt.Println("locked:", mu.Locked())
	// Output:
	// locked: true
	// locked: false
}

// The owner of an RLock may take it again; others wait until every level
// is released.
func ExampleRLock() {
	s, _ := scheduler.New()
	defer s.Close()
	var mu locks.RLock
	main := s.Main()
	mu.Acquire(main)
	mu.Acquire(main) // reentrant
	s.Spawn(func(t *tasklet.Tasklet) {
		fmt.Println("other: release is", mu.Release(t))
		mu.Acquire(t)
		fmt.Println("other: acquired")
		mu.Release(t)
	})
	s.Run()
	mu.Release(main)
	fmt.Println("main: one level left, owner is main:", mu.Owner() == main)
	mu.Release(main)
	s.Run()
	// Output:
	// other: release is locks: lock is not owned by the caller
	// main: one level left, owner is main: true
	// other: acquired
}

// A Semaphore(2) lets at most two workers in at a time; the others wait
// their turn, first come, first served.
func ExampleSemaphore() {
	s, _ := scheduler.New()
	defer s.Close()
	sem, _ := locks.NewSemaphore(2)
	for i := 1; i <= 4; i++ {
		s.Spawn(func(t *tasklet.Tasklet) {
			sem.Acquire(t)
			fmt.Printf("worker %d in (%d free)\n", i, sem.Value())
			t.Schedule()
			fmt.Printf("worker %d out\n", i)
			sem.Release(t)
		})
	}
	s.Run()
	// Output:
	// worker 1 in (1 free)
	// worker 2 in (0 free)
	// worker 1 out
	// worker 2 out
	// worker 3 in (1 free)
	// worker 4 in (0 free)
	// worker 3 out
	// worker 4 out
}

// A Condition guards a queue: the consumer waits while it is empty, the
// producer notifies after each item.
func ExampleCondition() {
	s, _ := scheduler.New()
	defer s.Close()
	c := locks.NewCondition(nil) // with an RLock of its own
	var queue []string
	s.Spawn(func(t *tasklet.Tasklet) { // the consumer
		c.Acquire(t)
		defer c.Release(t)
		for n := 0; n < 3; n++ {
			c.WaitFor(t, func() bool { return len(queue) > 0 }, -1)
			fmt.Println("got", queue[0])
			queue = queue[1:]
		}
	})
	s.Spawn(func(t *tasklet.Tasklet) { // the producer
		for _, item := range []string{"x", "y", "z"} {
			c.Acquire(t)
			queue = append(queue, item)
			fmt.Println("put", item)
			c.Notify(t, 1)
			c.Release(t)
			t.Schedule()
		}
	})
	s.Run()
	// Output:
	// put x
	// got x
	// put y
	// got y
	// put z
	// got z
}

// Set wakes every waiter, in the order they started waiting.
func ExampleEvent() {
	s, _ := scheduler.New()
	defer s.Close()
	var ready locks.Event
	for _, name := range []string{"a", "b"} {
		s.Spawn(func(t *tasklet.Tasklet) {
			ok, _ := ready.Wait(t)
			fmt.Println(name, "sees", ok)
		})
	}
	s.Run() // both wait
	fmt.Println("set")
	ready.Set(s.Main()) // the caller: main, outside the Run
	s.Run()
	// Output:
	// set
	// a sees true
	// b sees true
}

// Three parties meet at a barrier; the last to arrive runs the action,
// then all go on with their arrival index.
func ExampleBarrier() {
	s, _ := scheduler.New()
	defer s.Close()
	b, _ := locks.NewBarrier(3, func(t *tasklet.Tasklet) error {
		fmt.Println("all here; action run by", t.Name())
		return nil
	}, -1)
	for _, name := range []string{"p", "q", "r"} {
		s.SpawnNamed(name, func(t *tasklet.Tasklet) {
			i, err := b.Wait(t)
			fmt.Println(name, "index", i, err)
		})
	}
	s.Run()
	// Output:
	// all here; action run by r
	// r index 2 <nil>
	// p index 0 <nil>
	// q index 1 <nil>
}

// A ValueEvent broadcasts one result, or one error, to every waiter, now
// and later.
func ExampleValueEvent() {
	s, _ := scheduler.New()
	defer s.Close()
	var result locks.ValueEvent[int]
	s.Spawn(func(t *tasklet.Tasklet) {
		v, err := result.Wait(t)
		fmt.Println("waiter got", v, err)
	})
	s.Run()
	result.Set(s.Main(), 42)
	s.Run()
	v, err := result.Wait(s.Main()) // fired: returns at once
	fmt.Println("main got", v, err)
	fmt.Println("set again:", result.Set(s.Main(), 7))

	var failed locks.ValueEvent[int]
	failed.Abort(nil, errors.New("no result")) // nil: no tasklet calls it
	_, err = failed.Wait(s.Main())
	fmt.Println("failed:", err)
	// Output:
	// waiter got 42 <nil>
	// main got 42 <nil>
	// set again: locks: value event already set
	// failed: no result
}
