package scheduler_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A receiver woken from outside (value already delivered: it sits in the
// wake lane) then hit by a pending Throw/Kill from the running tasklet:
// SPEC 2's one exception — the completed transfer returns normally (the
// value is not lost), and the throw/kill goes off at the next switch point.
func TestAdv3LaneMemberThrownAfterTransfer(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv3 x")
	for _, op := range []string{"throw", "kill"} {
		t.Run(op, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				ch := channel.New[int]()
				p, err := s.SpawnNamed("p", func(me *tasklet.Tasklet) {
					defer func() {
						if tasklet.IsKill(recover()) {
							rec.Add("p unwound")
						}
					}()
					v, err := ch.Receive(me)
					rec.Add("p got %d%s", v, adv3Err(err))
					rec.Add("p sched%s", adv3Err(me.Schedule()))
				})
				assert.NoError(t, err)
				_, err = s.Run()
				assert.NoError(t, err)
				_, err = s.SpawnNamed("a", func(me *tasklet.Tasklet) {
					done := make(chan error)
					go func() { done <- ch.SendOutside(t.Context(), 42) }()
					assert.NoError(t, <-done)
					if op == "throw" {
						assert.NoError(t, p.Throw(errX))
					} else {
						assert.NoError(t, p.Kill())
					}
					rec.Add("a")
				})
				assert.NoError(t, err)
				_, err = s.Run()
				assert.NoError(t, err)
				if op == "throw" {
					assert.Equal(t, []string{"a", "p got 42", "p sched adv3 x"}, rec.Log())
				} else {
					assert.Equal(t, []string{"a", "p got 42", "p unwound"}, rec.Log())
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}
