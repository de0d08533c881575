package scheduler_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Blocking in the first instruction of a burst, under a hard TickBudget(1),
// with kills, throws, fn panics and Goexits, and Close while calls are in
// flight (Blocking doc): results come back on the tasklet's scheduler, a
// killed one unwinds at Blocking with its ctx cancelled, a thrown one gets
// the error, a panicking fn is a *PanicError; Close waits for every call;
// defers once; nothing leaks.
func TestAdv3BlockingBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, mode := range []string{"plain", "kill", "throw", "close", "budget"} {
		t.Run(mode, func(t *testing.T) {
			const n = 200
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				errX := errors.New("adv3 x")
				var ok, killed, thrown, panicked, goexited, cancelled, defers atomic.Int64
				release := make(chan struct{})
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						defer func() {
							defers.Add(1)
							if tasklet.IsKill(recover()) {
								killed.Add(1)
							}
						}()
						v, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
							switch i % 10 {
							case 7:
								panic("adv3 fn")
							case 8:
								runtime.Goexit()
							}
							select {
							case <-release:
							case <-ctx.Done():
								cancelled.Add(1)
								return 0, ctx.Err()
							}
							return i, nil
						})
						var pe *tasklet.PanicError
						switch {
						case err == nil && v == i:
							ok.Add(1)
						case errors.Is(err, errX):
							thrown.Add(1)
						case errors.As(err, &pe) && pe.Value == "adv3 fn":
							panicked.Add(1)
						case errors.As(err, &pe) && pe.Value == tasklet.ErrGoexit:
							goexited.Add(1)
						default:
							t.Errorf("tasklet %d: %v %v", i, v, err)
						}
						me.Tick()
					})
					assert.NoError(t, err)
				}

				var opts []scheduler.RunOption
				if mode == "budget" {
					opts = append(opts, scheduler.TickBudget(1))
				}
				v, err := s.Run(opts...)
				_ = v
				assert.NoError(t, err)
				switch mode {
				case "kill":
					for i := 0; i < n; i += 2 {
						if i%10 != 7 && i%10 != 8 {
							assert.NoError(t, ts[i].Kill())
						}
					}
				case "throw":
					for i := 0; i < n; i += 2 {
						if i%10 != 7 && i%10 != 8 {
							_ = ts[i].Throw(errX)
						}
					}
				}
				if mode != "close" {
					close(release)
					for r := 0; r < 10*n; r++ {
						v, err := s.Run(append(opts, scheduler.ThreadBlock())...)
						if err != nil {
							continue
						}
						if v != nil {
							_ = v.Insert()
							continue
						}
						if len(s.Tasklets()) <= 1 {
							break
						}
					}
				}
				cerr := s.Close()
				if mode == "close" {
					close(release)
				}
				_ = cerr
				assert.EqualValues(t, n, defers.Load())
				if mode != "close" { // Close discards results not yet taken (Blocking doc)
					assert.EqualValues(t, n/10, panicked.Load())
					assert.EqualValues(t, n/10, goexited.Load())
				}
				switch mode {
				case "plain", "budget":
					assert.EqualValues(t, n-2*n/10, ok.Load())
				case "throw":
					assert.EqualValues(t, n/2-n/10, thrown.Load())
					assert.EqualValues(t, n/2-n/10, ok.Load())
				case "kill":
					assert.EqualValues(t, n/2-n/10, ok.Load())
				case "close":
					assert.EqualValues(t, 0, ok.Load())
				}
				for _, tk := range ts {
					assert.False(t, tk.Alive())
				}
			})
		})
	}
}
