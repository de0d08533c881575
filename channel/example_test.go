package channel_test

import (
	"fmt"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// With the default preference (-1, receiver first) a send to a waiting
// receiver switches to it at once.
func Example() {
	s, _ := scheduler.New()
	defer s.Close()
	ch := channel.New[string]()
	s.Spawn(func(t *tasklet.Tasklet) {
		for v := range ch.All(t) {
			fmt.Println("received", v)
		}
		fmt.Println("channel closed")
	})
	s.Spawn(func(t *tasklet.Tasklet) {
		for _, v := range []string{"a", "b"} {
			fmt.Println("sending", v)
			ch.Send(t, v)
		}
		ch.Close(t)
	})
	s.Run()
	// Output:
	// sending a
	// received a
	// sending b
	// received b
	// channel closed
}

// Preference 0 lets the sender continue: the receiver is queued.
func ExampleChannel_SetPreference() {
	s, _ := scheduler.New()
	defer s.Close()
	ch := channel.New[int]()
	ch.SetPreference(0)
	s.Spawn(func(t *tasklet.Tasklet) {
		v, _ := ch.Receive(t)
		fmt.Println("received", v)
	})
	s.Main().Schedule() // the receiver blocks
	ch.Send(s.Main(), 1)
	fmt.Println("sender continues")
	s.Run()
	// Output:
	// sender continues
	// received 1
}

// A sender can make the receiver's Receive return an error.
func ExampleChannel_SendError() {
	s, _ := scheduler.New()
	defer s.Close()
	ch := channel.New[int]()
	s.Spawn(func(t *tasklet.Tasklet) { ch.SendError(t, fmt.Errorf("no more work")) })
	_, err := ch.Receive(s.Main())
	fmt.Println(err)
	// Output:
	// no more work
}

// A buffered channel holds values until its consumer runs.
func ExampleNewBuffered() {
	s, _ := scheduler.New()
	defer s.Close()
	ch, _ := channel.NewBuffered[int](3)
	m := s.Main()
	for i := 1; i <= 3; i++ {
		ch.Send(m, i) // does not block
	}
	fmt.Println("balance", ch.Balance())
	for i := 0; i < 3; i++ {
		v, _ := ch.Receive(m)
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output:
	// balance 3
	// 1 2 3
}
