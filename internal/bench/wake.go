// Wake latency: an interactive tasklet woken every millisecond beside
// CPU-bound tasklets under a 1 ms slice.

package bench

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// WakeLatency returns a benchmark of one interactive tasklet woken every
// millisecond by a plain goroutine (through its own scheduler), alongside n
// CPU-bound tasklets that Tick in a loop under a 1 ms slice, pumped with the
// reinsert idiom. op = one wakeup. It reports p50 and p99 wake-to-run
// latency as p50-N<n>-ms and p99-N<n>-ms.
func WakeLatency(n int) func(b *testing.B) {
	return func(b *testing.B) {
		s := newScheduler(b)
		defer s.Close()
		wakes, err := channel.NewBuffered[int64](16)
		must(b, err)
		var stop atomic.Bool
		lat := make([]time.Duration, 0, b.N)
		// The interactive tasklet first: it must be waiting before the
		// wakeups start, not queued behind the CPU-bound tasklets.
		_, err = s.Spawn(func(t *tasklet.Tasklet) {
			for sent := range wakes.All(t) {
				lat = append(lat, time.Duration(time.Now().UnixNano()-sent))
			}
			stop.Store(true)
		})
		must(b, err)
		for range n {
			_, err := s.Spawn(func(t *tasklet.Tasklet) {
				for !stop.Load() {
					t.Tick()
				}
			})
			must(b, err)
		}
		count := b.N
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // a goroutine the runtime did not create
			defer wg.Done()
			alien, err := scheduler.New()
			if err != nil {
				panic(err)
			}
			defer alien.Close()
			for i := 0; i < count; i++ {
				time.Sleep(time.Millisecond)
				if err := wakes.Send(alien.Main(), time.Now().UnixNano()); err != nil {
					panic(err)
				}
			}
			_ = wakes.Close(alien.Main())
		}()
		b.ResetTimer()
		_, err = watchdog.Pump(s, nil, scheduler.TimeBudget(time.Millisecond))
		b.StopTimer()
		wg.Wait()
		must(b, err)
		if len(lat) == 0 {
			return
		}
		slices.Sort(lat)
		ms := func(p float64) float64 {
			return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
		}
		b.ReportMetric(ms(0.50), fmt.Sprintf("p50-N%d-ms", n))
		b.ReportMetric(ms(0.99), fmt.Sprintf("p99-N%d-ms", n))
	}
}
