package channel_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// selectLedger records every value sent with a nil error and every value
// received, across schedulers.
type selectLedger struct {
	mu       sync.Mutex
	sent     map[int]bool
	received map[int]int
	workers  []*tasklet.Tasklet
}

func (l *selectLedger) send(v int) { l.mu.Lock(); l.sent[v] = true; l.mu.Unlock() }
func (l *selectLedger) recv(v int) { l.mu.Lock(); l.received[v]++; l.mu.Unlock() }

// A randomized test across 4 schedulers: producers (Send with a timeout or a
// context) and selecting consumers (Select over random channels with
// Timeout and Done cases, or ReceiveContext) over 8 channels, with kills,
// timeouts and cancellations from other goroutines: every value sent with a
// nil error is received exactly once, and nothing else is received.
// STACKLESS_SOAK sets how long it runs.
func TestSelectRandomizedFourSchedulers(t *testing.T) {
	defer goleak.VerifyNone(t)
	dur := schedtest.SoakDuration(t, 2*time.Second)
	if testing.Short() {
		dur = 200 * time.Millisecond
	}
	chans := make([]*channel.Channel[int], 8)
	for i := range chans {
		if i < 2 {
			c, err := channel.NewBuffered[int](2)
			require.NoError(t, err)
			chans[i] = c
		} else {
			chans[i] = channel.New[int]()
		}
	}
	led := &selectLedger{sent: map[int]bool{}, received: map[int]int{}}
	end := time.Now().Add(dur)
	short := func(rng *rand.Rand) time.Duration { return time.Duration(rng.IntN(2000)) * time.Microsecond }
	producer := func(id int) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			rng := rand.New(rand.NewPCG(uint64(id), 1))
			for k := 0; time.Now().Before(end); k++ {
				v := id*10_000_000 + k
				ch := chans[rng.IntN(len(chans))]
				var err error
				switch rng.IntN(3) {
				case 0:
					err = ch.SendTimeout(tk, v, short(rng))
				case 1:
					ctx, cancel := context.WithTimeout(context.Background(), short(rng))
					err = ch.SendContext(ctx, tk, v)
					cancel()
				default:
					i, serr := channel.Select(tk, channel.Send(ch, v), channel.Send(chans[rng.IntN(len(chans))], v),
						channel.Timeout(short(rng)))
					if i == 2 {
						serr = tasklet.ErrTimeout
					}
					err = serr
				}
				if err == nil {
					led.send(v) // before any switch point: a kill goes off later
				}
			}
		}
	}
	consumer := func(id int) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			rng := rand.New(rand.NewPCG(uint64(id), 2))
			for time.Now().Before(end) || anyBalance(chans) {
				if !time.Now().Before(end.Add(time.Second)) {
					return
				}
				if rng.IntN(4) == 0 {
					ctx, cancel := context.WithTimeout(context.Background(), short(rng))
					v, err := chans[rng.IntN(len(chans))].ReceiveContext(ctx, tk)
					cancel()
					if err == nil {
						led.recv(v)
					}
					continue
				}
				var recvs []*channel.RecvCase[int]
				var cases []channel.Case
				for n := 1 + rng.IntN(4); n > 0; n-- {
					rc := channel.Recv(chans[rng.IntN(len(chans))])
					recvs = append(recvs, rc)
					cases = append(cases, rc)
				}
				ctx, cancel := context.WithTimeout(context.Background(), short(rng))
				cases = append(cases, channel.Timeout(short(rng)), channel.Done(ctx))
				i, err := channel.Select(tk, cases...)
				cancel()
				if i >= 0 && i < len(recvs) && err == nil {
					led.recv(recvs[i].Value())
				}
			}
		}
	}
	killer := func(id int) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			rng := rand.New(rand.NewPCG(uint64(id), 3))
			for n := 0; n < 3 && time.Now().Before(end); n++ {
				if tk.Sleep(dur/8+short(rng)) != nil {
					return
				}
				led.mu.Lock()
				victim := led.workers[rng.IntN(len(led.workers))]
				led.mu.Unlock()
				_ = victim.Kill()
			}
		}
	}
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		ready.Add(1)
		go func() { // a scheduler belongs to the goroutine that creates it
			defer wg.Done()
			s, err := scheduler.New()
			if !assert.NoError(t, err) {
				ready.Done()
				return
			}
			defer func() { assert.NoError(t, s.Close()) }()
			for k := 0; k < 3; k++ {
				id := i*10 + k
				p, perr := s.Spawn(producer(id))
				c, cerr := s.Spawn(consumer(id))
				assert.NoError(t, perr)
				assert.NoError(t, cerr)
				led.mu.Lock()
				led.workers = append(led.workers, p, c)
				led.mu.Unlock()
			}
			_, err = s.Spawn(killer(i))
			assert.NoError(t, err)
			ready.Done()
			<-start
			_, err = s.Run(scheduler.ThreadBlock())
			assert.NoError(t, err)
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	// Values left in the buffers were sent; take them.
	s := newSched(t)
	defer closeSched(t, s)
	for _, ch := range chans {
		for ch.Balance() > 0 {
			v, err := ch.Receive(s.Main())
			require.NoError(t, err)
			led.recv(v)
		}
		assert.Equal(t, 0, ch.Balance())
	}
	for v, n := range led.received {
		assert.Equal(t, 1, n, "value %d received %d times", v, n)
		assert.True(t, led.sent[v], "value %d received but its send failed", v)
	}
	for v := range led.sent {
		assert.Equal(t, 1, led.received[v], "value %d sent but not received", v)
	}
	assert.NotEmpty(t, led.sent)
	t.Logf("%d values sent and received", len(led.sent))
}

func anyBalance(chans []*channel.Channel[int]) bool {
	for _, ch := range chans {
		if ch.Balance() > 0 {
			return true
		}
	}
	return false
}
