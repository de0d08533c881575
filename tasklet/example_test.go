package tasklet_test

import (
	"fmt"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A tasklet's state through its life.
func ExampleTasklet_State() {
	s, _ := scheduler.New()
	defer s.Close()
	t, _ := s.NewTasklet("t", func(t *tasklet.Tasklet) {
		fmt.Println("running:", t.State())
		t.ScheduleRemove()
	})
	fmt.Println(t.State())
	t.Insert()
	fmt.Println(t.State())
	s.Run()
	fmt.Println(t.State(), t.Alive())
	t.Kill()
	s.Run()
	fmt.Println(t.State())
	// Output:
	// new
	// scheduled
	// running: current
	// paused true
	// dead
}

// Atomically marks a critical section: the watchdog does not interrupt it,
// and atomic sections on different schedulers never interleave.
func ExampleTasklet_Atomically() {
	s, _ := scheduler.New()
	defer s.Close()
	s.Spawn(func(t *tasklet.Tasklet) {
		t.Atomically(func() {
			fmt.Println("inside atomic:", t.Atomic())
		})
		fmt.Println("after:", t.Atomic())
	})
	s.Run()
	// Output:
	// inside atomic: true
	// after: false
}

// KillNow switches to the victim, which unwinds (deferred functions run),
// then the killer continues.
func ExampleTasklet_KillNow() {
	s, _ := scheduler.New()
	defer s.Close()
	v, _ := s.Spawn(func(t *tasklet.Tasklet) {
		defer fmt.Println("victim unwinds")
		t.ScheduleRemove()
	})
	s.Main().Schedule() // the victim pauses itself
	s.Main().KillNow(v)
	fmt.Println("killer continues")
	// Output:
	// victim unwinds
	// killer continues
}
