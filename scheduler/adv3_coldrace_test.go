package scheduler_test

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// FAILS under -race (go test -race -run TestAdv3ColdDeathVsRemoteKill):
// Kill/Throw are documented "safe from any goroutine", but a tasklet dying
// before its first instruction (a pending throw raised in prelude ->
// worker.panicked -> entry.cold(), entry.go:103, lazily allocating e.c with
// no lock) races with a Kill from another goroutine reading e.c in
// entry.raise (signals.go:166, under the owner's lock). A data race is
// undefined behaviour (the remote Kill may see a torn/nil e.c).
// The same race for a body that panics or calls runtime.Goexit
// (coroutine.go:80/146 write e.c unlocked) against remote Kill/Throw
// (setPendingLocked reads e.c).
func TestAdv3ColdDeathVsRemoteKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, mode := range []string{"throw-cold", "panic", "goexit"} {
		t.Run(mode, func(t *testing.T) { adv3ColdRace(t, mode) })
	}
}

func adv3ColdRace(t *testing.T, mode string) {
	const n = 2000
	schedtest.Within(t, 30*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		errX := errors.New("adv3 x")
		ts := make([]*tasklet.Tasklet, n)
		for i := range ts {
			ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
				switch mode {
				case "panic":
					panic("adv3 p")
				case "goexit":
					runtime.Goexit()
				}
				t.Errorf("body of a thrown new tasklet ran")
			})
			assert.NoError(t, err)
			if mode == "throw-cold" {
				assert.NoError(t, ts[i].Throw(errX))
			}
		}
		var wg sync.WaitGroup
		wg.Add(1)
		start := make(chan struct{})
		go func() {
			defer wg.Done()
			<-start
			for r := 0; r < 3; r++ {
				for _, tk := range ts {
					_ = tk.Kill()
					_ = tk.Throw(errX)
				}
			}
		}()
		close(start)
		for r := 0; r < 10*n; r++ {
			_, err := s.Run()
			if err == nil && s.RunCount() <= 1 {
				break
			}
		}
		wg.Wait()
		_, _ = s.Run()
		assert.NoError(t, s.Close())
		for _, tk := range ts {
			assert.False(t, tk.Alive())
		}
	})
}
