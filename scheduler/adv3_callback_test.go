package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The schedule callback sees every actual switch, before it, with the right
// (prev, next) — on the fast path, on a new tasklet's first run (started by
// the root), at a tasklet's end, and on the way back to main (SPEC 1).
func TestAdv3CallbackSeesEverySwitch(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		sopts []scheduler.Option
	}{
		{"plain", nil},
		{"accounting", []scheduler.Option{scheduler.WithRunTimeAccounting()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 5
			schedtest.Within(t, 10*time.Second, func() {
				var rec recorder
				nm := func(x *tasklet.Tasklet) string {
					if x == nil {
						return "nil"
					}
					if x.IsMain() {
						return "main"
					}
					return x.Name()
				}
				s, err := scheduler.New(append(tc.sopts, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					rec.Add("%s->%s", nm(prev), nm(next))
				}))...)
				if !assert.NoError(t, err) {
					return
				}
				for i := 0; i < n; i++ {
					name := fmt.Sprintf("t%d", i)
					_, err := s.SpawnNamed(name, func(me *tasklet.Tasklet) {
						rec.Add("%s a", name)
						_ = me.Schedule()
						rec.Add("%s b", name)
					})
					assert.NoError(t, err)
				}
				_, err = s.Run()
				assert.NoError(t, err)
				want := []string{"main->t0", "t0 a"}
				for i := 1; i < n; i++ {
					want = append(want, fmt.Sprintf("t%d->t%d", i-1, i), fmt.Sprintf("t%d a", i))
				}
				want = append(want, fmt.Sprintf("t%d->t0", n-1), "t0 b")
				for i := 1; i < n; i++ {
					want = append(want, fmt.Sprintf("t%d->t%d", i-1, i), fmt.Sprintf("t%d b", i))
				}
				want = append(want, fmt.Sprintf("t%d->main", n-1))
				assert.Equal(t, want, rec.Log())
				assert.NoError(t, s.Close())
			})
		})
	}
}
