package channel_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A select in a loop serves two producers until a quit channel fires. The
// cases are built once and used again; Value reads what a receive case got.
func ExampleSelect() {
	s, _ := scheduler.New()
	defer s.Close()
	nums, words, quit := channel.New[int](), channel.New[string](), channel.New[struct{}]()
	s.Spawn(func(t *tasklet.Tasklet) {
		nums.Send(t, 1)
		nums.Send(t, 2)
	})
	s.Spawn(func(t *tasklet.Tasklet) {
		words.Send(t, "hello")
		quit.Send(t, struct{}{})
	})
	s.Spawn(func(t *tasklet.Tasklet) {
		n, w, q := channel.Recv(nums), channel.Recv(words), channel.Recv(quit)
		for {
			switch i, _ := channel.Select(t, n, w, q); i {
			case 0:
				fmt.Println("number", n.Value())
			case 1:
				fmt.Println("word", w.Value())
			case 2:
				fmt.Println("quit")
				return
			}
		}
	})
	s.Run()
	// Output:
	// number 1
	// word hello
	// number 2
	// quit
}

// A Timeout case bounds the wait; a Default case makes it non-blocking.
func ExampleTimeout() {
	s, _ := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
	defer s.Close()
	ch := channel.New[int]()
	main := s.Main()
	i, err := channel.Select(main, channel.Recv(ch), channel.Default())
	fmt.Println(i, err)
	i, err = channel.Select(main, channel.Recv(ch), channel.Timeout(time.Second))
	fmt.Println(i, errors.Is(err, tasklet.ErrTimeout))
	// Output:
	// 1 <nil>
	// 1 true
}

// A receive that a context can end: cancelling it, here from a plain
// goroutine, wakes the tasklet with ctx.Err(), and context.Cause tells why.
func ExampleChannel_ReceiveContext() {
	s, _ := scheduler.New()
	defer s.Close()
	ch := channel.New[int]()
	ctx, cancel := context.WithCancelCause(context.Background())
	s.Spawn(func(t *tasklet.Tasklet) {
		_, err := ch.ReceiveContext(ctx, t)
		fmt.Println(err, "/", context.Cause(ctx), "/ balance", ch.Balance())
	})
	s.Main().Schedule() // the receiver blocks
	go cancel(errors.New("shutting down"))
	s.Run(scheduler.ThreadBlock())
	// Output:
	// context canceled / shutting down / balance 0
}
