package scheduler_test

import (
	"fmt"
	"time"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Tasklets run in creation order once the main tasklet yields, and each
// Schedule moves the caller to the end of the run queue.
func Example() {
	s, err := scheduler.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, name := range []string{"a", "b"} {
		s.Spawn(func(t *tasklet.Tasklet) {
			for i := 0; i < 2; i++ {
				fmt.Println(name, i)
				t.Schedule()
			}
		})
	}
	s.Run() // until the run queue is empty
	// Output:
	// a 0
	// b 0
	// a 1
	// b 1
}

// A tasklet that removed itself gets a value when someone inserts it again.
func ExampleScheduler_NewTasklet() {
	s, _ := scheduler.New()
	defer s.Close()
	w, _ := s.NewTasklet("worker", func(t *tasklet.Tasklet) {
		v, _ := t.ScheduleRemove()
		fmt.Println("worker got", v)
	})
	fmt.Println(w.State())
	w.Insert() // new -> scheduled
	s.Run()    // the worker pauses itself
	fmt.Println(w.State())
	w.InsertValue(42) // paused -> scheduled, with a value
	s.Run()
	// Output:
	// new
	// paused
	// worker got 42
}

// Killing a tasklet unwinds it: its deferred functions run.
func ExampleScheduler_Close() {
	s, _ := scheduler.New()
	s.Spawn(func(t *tasklet.Tasklet) {
		defer fmt.Println("cleanup runs")
		for {
			t.Schedule()
		}
	})
	s.Main().Schedule()
	s.Close()
	// Output:
	// cleanup runs
}

// Sleep runs on the scheduler's clock; a fake clock makes it instant and
// deterministic.
func ExampleNewFakeClock() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := scheduler.NewFakeClock(start)
	s, _ := scheduler.New(scheduler.WithClock(clk))
	defer s.Close()
	for _, d := range []time.Duration{30, 10, 20} {
		s.Spawn(func(t *tasklet.Tasklet) {
			t.Sleep(d * time.Millisecond)
			fmt.Println("woke at", clk.Now().Sub(start))
		})
	}
	s.Main().Sleep(time.Second)
	// Output:
	// woke at 10ms
	// woke at 20ms
	// woke at 30ms
}

// Run with a budget returns the tasklet that overran it, removed from the
// run queue: the caller decides to reinsert it or kill it.
func ExampleTickBudget() {
	s, _ := scheduler.New()
	defer s.Close()
	s.SpawnNamed("busy", func(t *tasklet.Tasklet) {
		for i := 0; i < 2500; i++ {
			t.Tick()
		}
	})
	for {
		victim, err := s.Run(scheduler.TickBudget(1000))
		if err != nil || victim == nil {
			break
		}
		fmt.Println("interrupted", victim.Name())
		victim.Insert()
	}
	// Output:
	// interrupted busy
	// interrupted busy
}
