package scheduler_test

import (
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Tests of New's options: one config value, validated in one place.

// TestConfigValidate: every invalid option is reported by New with its
// sentinel, wherever it stands among valid ones (a later valid value of
// the same option does not hide it); valid options give a working
// scheduler.
func TestConfigValidate(t *testing.T) {
	defer goleak.VerifyNone(t)
	cb := func(prev, next *tasklet.Tasklet) {}
	eh := func(t *tasklet.Tasklet, err error) error { return err }
	for _, tc := range []struct {
		name string
		opts []scheduler.Option
		want error
	}{
		{"none", nil, nil},
		{"all valid", []scheduler.Option{
			scheduler.WithName("n"), scheduler.WithLogger(zerolog.Nop()), scheduler.WithClock(scheduler.RealClock()),
			scheduler.WithScheduleCallback(cb), scheduler.WithErrorHandler(eh), scheduler.WithStallReport(time.Hour),
			scheduler.WithRunTimeAccounting(), scheduler.WithProfilerLabels(),
		}, nil},
		{"nil option", []scheduler.Option{scheduler.WithName("n"), nil}, scheduler.ErrNilOption},
		{"nil clock", []scheduler.Option{scheduler.WithClock(nil)}, scheduler.ErrNilClock},
		{"nil clock, then a clock", []scheduler.Option{scheduler.WithClock(nil), scheduler.WithClock(scheduler.RealClock())}, scheduler.ErrNilClock},
		{"nil schedule callback", []scheduler.Option{scheduler.WithScheduleCallback(nil)}, tasklet.ErrNilFunc},
		{"nil error handler", []scheduler.Option{scheduler.WithErrorHandler(nil)}, tasklet.ErrNilFunc},
		{"zero stall report", []scheduler.Option{scheduler.WithStallReport(0)}, scheduler.ErrBadBudget},
		{"negative stall report, then a valid one", []scheduler.Option{scheduler.WithStallReport(-1), scheduler.WithStallReport(time.Hour)}, scheduler.ErrBadBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scheduler.New(tc.opts...)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				assert.Nil(t, s)
				return
			}
			require.NoError(t, err)
			require.NoError(t, s.Close())
		})
	}
}
