package channel_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Outside senders (SendOutside with contexts cancelled at random moments,
// Offer) race with receivers (some of them timed) on three locked threads,
// kills of receivers and Close of the channel, under every preference and schedule-all:
// every value whose send returned nil is received exactly once, and no
// other value is.
func TestAdversarial18OutsideSendersConserveValues(t *testing.T) {
	defer goleak.VerifyNone(t)
	type config struct {
		size        int
		pref        int
		scheduleAll bool
	}
	var cases []config
	for _, size := range []int{0, 2} {
		for _, pref := range []int{-1, 0, 1} {
			for _, all := range []bool{false, true} {
				cases = append(cases, config{size, pref, all})
			}
		}
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("size=%d,pref=%d,all=%v", tc.size, tc.pref, tc.scheduleAll), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ch, err := channel.NewBuffered[int](tc.size)
			require.NoError(t, err)
			require.NoError(t, ch.SetPreference(tc.pref))
			ch.SetScheduleAll(tc.scheduleAll)
			var mu sync.Mutex
			var received, sent []int
			var victims []*tasklet.Tasklet
			g, err := scheduler.StartThreads(3, func(i int, s *scheduler.Scheduler) error {
				for j := range 3 {
					tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
						for {
							var v int
							var err error
							if j == 2 { // a timed receive races the senders' wake-ups
								v, err = ch.ReceiveTimeout(tk, time.Duration(1+rand.IntN(100))*time.Microsecond)
								if errors.Is(err, tasklet.ErrTimeout) {
									continue
								}
							} else {
								v, err = ch.Receive(tk)
							}
							if err != nil {
								return
							}
							mu.Lock()
							received = append(received, v)
							mu.Unlock()
							if v%7 == 0 {
								_ = tk.Schedule() // where a pending kill goes off
							}
						}
					})
					if err != nil {
						return err
					}
					if j == 0 {
						mu.Lock() // the setups run at once, each on its thread
						victims = append(victims, tk)
						mu.Unlock()
					}
				}
				return nil
			})
			require.NoError(t, err)
			var wg sync.WaitGroup
			for k := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					if k%4 == 0 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
							cancel()
						}()
					}
					var err error
					if k%5 == 0 {
						err = ch.Offer(nil, k)
					} else {
						err = ch.SendOutside(ctx, k)
					}
					if err == nil {
						mu.Lock()
						sent = append(sent, k)
						mu.Unlock()
					}
					for _, o := range ch.Queue() {
						_ = o.State()
					}
				}()
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			for _, v := range victims {
				require.NoError(t, v.Kill())
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			require.NoError(t, ch.Close(nil))
			wg.Wait() // the surviving receivers take every waiting sender
			g.Release()
			require.NoError(t, g.Wait())
			s := newSched(t)
			defer closeSched(t, s)
			for ch.Len() > 0 { // buffered, not yet received
				v, err := ch.Receive(s.Main())
				require.NoError(t, err)
				received = append(received, v)
			}
			slices.Sort(sent)
			slices.Sort(received)
			assert.Equal(t, sent, received)
			assert.True(t, ch.Closed())
		})
	}
}

// Offer takes its caller, as every waking call: from a tasklet of the
// receiver's scheduler the receiver goes to the end of the run queue, as
// with SendTimeout(t, v, 0) under preference 0; from outside any tasklet
// (nil) it runs next. (Offer took no caller at first, so a tasklet's Offer
// broke the rule.)
func TestAdversarial18OfferFromATasklet(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name string
		send func(ch *channel.Channel[int], tk *tasklet.Tasklet) error
		want []string
	}{
		{"Offer(nil)", func(ch *channel.Channel[int], _ *tasklet.Tasklet) error { return ch.Offer(nil, 1) },
			[]string{"sent <nil>", "R 1", "B", "A again"}},
		{"Offer(t)", func(ch *channel.Channel[int], tk *tasklet.Tasklet) error { return ch.Offer(tk, 1) },
			[]string{"sent <nil>", "B", "R 1", "A again"}},
		{"SendTimeout 0", func(ch *channel.Channel[int], tk *tasklet.Tasklet) error { return ch.SendTimeout(tk, 1, 0) },
			[]string{"sent <nil>", "B", "R 1", "A again"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(0))
			var log []string
			spawn(t, s, "R", func(tk *tasklet.Tasklet) {
				v, err := ch.Receive(tk)
				assert.NoError(t, err)
				log = append(log, fmt.Sprint("R ", v))
			})
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				log = append(log, fmt.Sprint("sent ", tc.send(ch, tk)))
				assert.NoError(t, tk.Schedule())
				log = append(log, "A again")
			})
			spawn(t, s, "B", func(*tasklet.Tasklet) { log = append(log, "B") })
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tc.want, log)
		})
	}
}

// A context that is already done does not stop a send that needs no wait:
// like x/sync's semaphore, SendOutside hands v to a waiting receiver, or
// buffers it, and returns nil; only a send that would wait returns ctx's
// error, delivering nothing.
func TestAdversarial18SendOutsideDoneContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name     string
		size     int
		receiver bool
		want     error
		got      []int
	}{
		{name: "a receiver waits", receiver: true, got: []int{7}},
		{name: "the buffer has room", size: 1, got: []int{7}},
		{name: "it would wait", want: context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch, err := channel.NewBuffered[int](tc.size)
			require.NoError(t, err)
			var got []int
			if tc.receiver {
				spawn(t, s, "r", func(tk *tasklet.Tasklet) {
					v, err := ch.Receive(tk)
					assert.NoError(t, err)
					got = append(got, v)
				})
				require.NoError(t, s.Main().Schedule())
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			require.ErrorIs(t, ch.SendOutside(ctx, 7), tc.want)
			_, err = s.Run()
			require.NoError(t, err)
			for ch.Len() > 0 {
				v, err := ch.Receive(s.Main())
				require.NoError(t, err)
				got = append(got, v)
			}
			assert.Equal(t, tc.got, got)
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

// Many goroutines waiting in SendOutside at once: each is one entry of
// the send queue, with a Tasklet of its own, served first in, first out.
func TestAdversarial18ManyOutsidersFIFO(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 1000
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- ch.SendOutside(context.Background(), i) }()
		awaitBalance(ch, i+1) // queued in this order
	}
	q := ch.Queue()
	require.Len(t, q, n)
	ids := make(map[uint64]bool, n)
	for _, o := range q {
		assert.Equal(t, tasklet.Blocked, o.State())
		ids[o.ID()] = true
	}
	assert.Len(t, ids, n)
	got := make([]int, 0, n)
	for range n {
		v, err := ch.Receive(s.Main())
		require.NoError(t, err)
		got = append(got, v)
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	assert.Equal(t, want, got)
	for range n {
		require.NoError(t, <-errs)
	}
	for _, o := range q {
		assert.Equal(t, tasklet.Dead, o.State())
	}
}

// A receiver that an outside sender has handed a value to, killed or
// thrown into before it runs again, keeps the value (the transfer is
// complete: SPEC 2's exception); the kill or throw goes off at its next
// switch point, and the sender's call returns nil.
func TestAdversarial18ReceiverKilledAfterOutsideHandoff(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("boom")
	cases := []struct {
		name  string
		send  func(ch *channel.Channel[int]) error
		throw bool
		want  []string
	}{
		{"Offer, kill", func(ch *channel.Channel[int]) error { return ch.Offer(nil, 1) }, false,
			[]string{"sender <nil>", "R got 1 <nil>", "R unwound"}},
		{"SendOutside, kill", func(ch *channel.Channel[int]) error { return ch.SendOutside(context.Background(), 1) }, false,
			[]string{"sender <nil>", "R got 1 <nil>", "R unwound"}},
		{"Offer, throw", func(ch *channel.Channel[int]) error { return ch.Offer(nil, 1) }, true,
			[]string{"sender <nil>", "R got 1 <nil>", "R next call boom", "R unwound"}},
		{"SendOutside, throw", func(ch *channel.Channel[int]) error { return ch.SendOutside(context.Background(), 1) }, true,
			[]string{"sender <nil>", "R got 1 <nil>", "R next call boom", "R unwound"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			var log []string
			r := spawn(t, s, "R", func(tk *tasklet.Tasklet) {
				defer func() { log = append(log, "R unwound") }()
				v, err := ch.Receive(tk)
				log = append(log, fmt.Sprint("R got ", v, " ", err))
				err = tk.Schedule()
				log = append(log, fmt.Sprint("R next call ", err))
			})
			require.NoError(t, s.Main().Schedule()) // R waits
			done := make(chan error)
			go func() { done <- tc.send(ch) }()
			log = append(log, fmt.Sprint("sender ", <-done)) // R has the value, and has not run
			if tc.throw {
				require.NoError(t, r.Throw(boom))
			} else {
				require.NoError(t, r.Kill())
			}
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tc.want, log)
			assert.Equal(t, tasklet.Dead, r.State())
		})
	}
}

// Offer and SendOutside hand a value to a Select's receive case like a
// tasklet's Send does: the select completes with that case and leaves the
// other channels' queues (Offer and SendOutside were written before Select
// and left its other nodes queued: Balance of the other channel stayed -1).
func TestAdversarial18OutsideSendCompletesSelect(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		send func(ch *channel.Channel[int]) error
	}{
		{"Offer", func(ch *channel.Channel[int]) error { return ch.Offer(nil, 7) }},
		{"SendOutside", func(ch *channel.Channel[int]) error { return ch.SendOutside(context.Background(), 7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			a, b := channel.New[int](), channel.New[int]()
			var log []string
			spawn(t, s, "S", func(tk *tasklet.Tasklet) {
				ra, rb := channel.Recv(a), channel.Recv(b)
				i, err := channel.Select(tk, ra, rb)
				log = append(log, fmt.Sprintf("case %d err %v a=%d", i, err, ra.Value()))
			})
			require.NoError(t, s.Main().Schedule()) // S selects on a and b
			require.Equal(t, []int{-1, -1}, []int{a.Balance(), b.Balance()})
			done := make(chan error)
			go func() { done <- tc.send(a) }()
			require.NoError(t, <-done)
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{"case 0 err <nil> a=7"}, log)
			assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()}, "the select left b's queue too")
		})
	}
}
