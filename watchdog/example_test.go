package watchdog_test

import (
	"fmt"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// Pump runs a scheduler on a budget, reinserting interrupted tasklets, and
// kills a runaway after three interrupts.
func ExamplePump() {
	s, _ := scheduler.New()
	defer s.Close()
	s.SpawnNamed("runaway", func(t *tasklet.Tasklet) {
		defer fmt.Println("runaway cleaned up")
		for {
			t.Tick()
		}
	})
	s.SpawnNamed("worker", func(t *tasklet.Tasklet) {
		for i := 0; i < 1500; i++ {
			t.Tick()
		}
		fmt.Println("worker done")
	})
	r, err := watchdog.Pump(s, watchdog.KillAfter(3), scheduler.TickBudget(1000))
	fmt.Println(err, r.Interrupted, r.Killed[0].Name())
	// Output:
	// worker done
	// runaway cleaned up
	// <nil> 4 runaway
}
