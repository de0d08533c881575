package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: a Blocking call whose result has arrived (the tasklet is
// woken, not yet run) when a kill or throw reaches it. A Blocking result is
// no channel transfer; SPEC 2: "the kill or throw is raised at its
// suspension point before any of its own code runs" (the only exception is a
// channel transfer a partner completed), and Blocking's doc: "A result that
// arrives after t stopped waiting is discarded". So: a kill unwinds t at
// Blocking; a throw is Blocking's error.
// (It failed: the result was returned and the kill went off at the next
// switch point. Blocking's call is now revocable.)
func TestAdv2KillAfterBlockingResult(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	for _, kill := range []bool{true, false} {
		t.Run(fmt.Sprintf("kill=%v", kill), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			release := make(chan struct{}) // the result comes once v is parked
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
				x, err := scheduler.Blocking(v, func(context.Context) (int, error) { <-release; return 5, nil })
				rec.Add("v blocking %d %s", x, adv2S(err))
				rec.Add("v sched %s", adv2S(v.Schedule()))
			})
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, v.Blocked(), "v waits in Blocking")
			close(release)
			for i := 0; i < 10_000_000 && v.Blocked(); i++ {
				runtime.Gosched()
			}
			require.False(t, v.Blocked(), "the result has arrived")
			if kill {
				require.NoError(t, v.Kill())
			} else {
				require.NoError(t, v.Throw(errX))
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.False(t, v.Alive())
			if kill {
				assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
			} else {
				assert.Equal(t, []string{"v blocking 0 adv2 x", "v sched <nil>", "v defer kill=false"}, rec.Log())
			}
		})
	}
}

// The error handler waits (in a Blocking call that returns only when its
// context ends) and the scheduler is closed: "A kill that reaches t while fn
// waits ends t silently (the error is dropped)": Close returns nil.
func TestAdv2CloseWhileErrorHandlerWaits(t *testing.T) {
	defer goleak.VerifyNone(t)
	var rec recorder
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		defer rec.Add("handler defer")
		_, werr := scheduler.Blocking(tk, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		rec.Add("handler after wait %s", adv2S(werr))
		return err
	}))
	v := spawn(t, s, "v", func(*tasklet.Tasklet) { panic("boom") })
	_, err := s.Run()
	require.NoError(t, err)
	require.True(t, v.Blocked())
	assert.NoError(t, s.Close())
	assert.False(t, v.Alive())
	assert.Equal(t, []string{"handler defer"}, rec.Log())
}
