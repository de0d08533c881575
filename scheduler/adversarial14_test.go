package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial (issue 14): Adopt of a tasklet sleeping on a timer keeps the
// time it had left, measured on its old scheduler's clock. The two
// schedulers' clocks need not agree (each has its own, see WithClock): a
// tasklet with an hour left on a clock ten years behind (or ahead of) its
// new scheduler's must still sleep one hour there, not wake at once or
// sleep ten years.
func TestAdversarial14AdoptKeepsTheTimeLeftAcrossClocks(t *testing.T) {
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tenYears := 10 * 365 * 24 * time.Hour
	for _, tc := range []struct {
		name   string
		offset time.Duration // new scheduler's clock minus the old one's
	}{
		{"new clock ahead", tenYears},
		{"new clock behind", -tenYears},
		{"same time", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ca := scheduler.NewFakeClock(base)
			cb := scheduler.NewFakeClock(base.Add(tc.offset))
			a := newSched(t, scheduler.WithClock(ca))
			b := newSched(t, scheduler.WithClock(cb))
			defer closeSched(t, b)
			var log []string
			sl := spawn(t, a, "sleeper", func(tk *tasklet.Tasklet) {
				err := tk.Sleep(time.Hour)
				log = append(log, "woke after "+cb.Now().Sub(base.Add(tc.offset)).String())
				assert.NoError(t, err)
			})
			// Let it start sleeping, with the fake clock moved 20 minutes.
			require.NoError(t, a.Main().Schedule())
			require.Equal(t, tasklet.Blocked, sl.State())
			ca.Advance(20 * time.Minute)
			require.NoError(t, b.Adopt(sl))
			require.NoError(t, a.Close())
			_, err := b.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.Equal(t, []string{"woke after 40m0s"}, log)
			assert.Equal(t, 40*time.Minute, cb.Now().Sub(base.Add(tc.offset)), "b's fake clock jumped by the time left")
		})
	}
}
