// Channel benchmarks: ping-pong and buffered streams on one scheduler and
// across schedulers, and upcalls, each beside its goroutine baseline.

package bench

import (
	"iter"
	"testing"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// PingPong: two tasklets on one scheduler hand a value back and forth;
// op = one round trip (two messages).
func PingPong(b *testing.B) {
	ping, pong := channel.New[int](), channel.New[int]()
	n := b.N
	timeRun(b, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			v, _ := ping.Receive(t)
			_ = pong.Send(t, v+1)
		}
	}, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			_ = ping.Send(t, i)
			_, _ = pong.Receive(t)
		}
	})
}

// PingPongGoroutines: two goroutines over unbuffered Go channels; op = one
// round trip.
func PingPongGoroutines(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	b.StopTimer()
	close(ping)
}

// Buffered: a producer tasklet streams into a consumer tasklet on the same
// scheduler through a buffered channel of 1024; op = one message.
func Buffered(b *testing.B) {
	ch, err := channel.NewBuffered[int](1024)
	must(b, err)
	n := b.N
	timeRun(b, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			_ = ch.Send(t, i)
		}
	}, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			_, _ = ch.Receive(t)
		}
	})
}

// BufferedGoroutines: a Go channel of 1024 between two goroutines; op = one
// message.
func BufferedGoroutines(b *testing.B) {
	ch := make(chan int, 1024)
	done := make(chan struct{})
	n := b.N
	go func() {
		for i := 0; i < n; i++ {
			<-ch
		}
		close(done)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		ch <- i
	}
	<-done
}

// OnRemote runs body on a scheduler driven by a goroutine of its own and
// returns a function that waits for it to finish. The scheduler exists
// before OnRemote returns, so the caller's scheduler may block on it.
func OnRemote(body func(s *scheduler.Scheduler)) (wait func()) {
	ready, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s, err := scheduler.New()
		if err != nil {
			panic(err)
		}
		defer s.Close()
		close(ready)
		body(s)
	}()
	<-ready
	return func() { <-done }
}

// CrossPingPong: tasklets on two schedulers (two goroutines) hand a value
// back and forth; op = one round trip.
func CrossPingPong(b *testing.B) {
	s := newScheduler(b) // exists before the remote side blocks
	defer s.Close()
	ping, pong := channel.New[int](), channel.New[int]()
	n := b.N
	wait := OnRemote(func(s *scheduler.Scheduler) {
		m := s.Main()
		for i := 0; i < n; i++ {
			v, err := ping.Receive(m)
			if err != nil {
				panic(err)
			}
			if err := pong.Send(m, v+1); err != nil {
				panic(err)
			}
		}
	})
	m := s.Main()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		must(b, ping.Send(m, i))
		_, err := pong.Receive(m)
		must(b, err)
	}
	b.StopTimer()
	wait()
}

// CrossStream: a plain goroutine (through its own scheduler's main tasklet:
// an "upcall" from a thread the runtime did not create) streams into a
// tasklet on another scheduler through a buffered channel of 1024; op = one
// message.
func CrossStream(b *testing.B) {
	s := newScheduler(b) // exists before the remote side blocks
	defer s.Close()
	ch, err := channel.NewBuffered[int](1024)
	must(b, err)
	n := b.N
	wait := OnRemote(func(s *scheduler.Scheduler) {
		if _, err := s.Spawn(func(t *tasklet.Tasklet) {
			for i := 0; i < n; i++ {
				if _, err := ch.Receive(t); err != nil {
					panic(err)
				}
			}
		}); err != nil {
			panic(err)
		}
		if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
			panic(err)
		}
	})
	m := s.Main()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		must(b, ch.Send(m, i))
	}
	wait()
	b.StopTimer()
}

// AlienUpcall: a goroutine the runtime did not create (as a cgo callback or
// a network reader would be) creates its own scheduler, hands one value to a
// tasklet waiting on another scheduler, and closes its scheduler; op = one
// such upcall, goroutine creation included.
func AlienUpcall(b *testing.B) {
	s := newScheduler(b)
	defer s.Close()
	ch := channel.New[int]()
	n := b.N
	done := make(chan struct{})
	_, err := s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			if _, err := ch.Receive(t); err != nil {
				panic(err)
			}
		}
		close(done)
	})
	must(b, err)
	w, err := s.Waker() // upcalls will come: no deadlock between them
	must(b, err)
	defer w.Release()
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < n; i++ {
			up := make(chan struct{})
			go func() {
				defer close(up)
				alien, err := scheduler.New()
				if err != nil {
					panic(err)
				}
				if err := ch.Send(alien.Main(), i); err != nil {
					panic(err)
				}
				if err := alien.Close(); err != nil {
					panic(err)
				}
			}()
			<-up
		}
	}()
	_, err = s.Run(scheduler.ThreadBlock())
	must(b, err)
	<-done
	b.StopTimer()
}

// GoroutineUpcall is AlienUpcall's baseline: a fresh goroutine sends one
// value on a Go channel to a goroutine waiting on it.
func GoroutineUpcall(b *testing.B) {
	ch := make(chan int)
	done := make(chan struct{})
	n := b.N
	go func() {
		for i := 0; i < n; i++ {
			<-ch
		}
		close(done)
	}()
	upcalls(b, n, ch, done)
}

// upcalls is the timed part of GoroutineUpcall and UpcallFloor: n upcalls,
// each a fresh goroutine that sends one value on ch and ends before the
// next is started, then the wait for the receiver's done.
func upcalls(b *testing.B, n int, ch chan<- int, done <-chan struct{}) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		up := make(chan struct{})
		go func() {
			defer close(up)
			ch <- i
		}()
		<-up
	}
	<-done
}

// UpcallFloor is the floor of OutsideUpcall by design: GoroutineUpcall,
// except that the receiving goroutine resumes one iter.Pull coroutine per
// message and the coroutine does the receive, then yields. One resume and
// one yield per message is the least any receiver that runs on a coroutine
// (a tasklet) adds to the baseline; no scheduler, queue or wake-up is
// involved.
func UpcallFloor(b *testing.B) {
	ch := make(chan int)
	done := make(chan struct{})
	n := b.N
	go func() {
		next, stop := iter.Pull(func(yield func(int) bool) {
			for {
				if !yield(<-ch) {
					return
				}
			}
		})
		defer stop()
		for i := 0; i < n; i++ {
			next()
		}
		close(done)
	}()
	upcalls(b, n, ch, done)
}
