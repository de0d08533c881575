package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
)

// Issue 18: a sleeper on a locked thread spins in place, for an adaptive
// budget, before the kernel sleep. The budget follows the waits it sees
// and stays within its bounds, so the CPU a sleep burns is bounded.
func TestLockedSpinBudgetAdapts(t *testing.T) {
	defer goleak.VerifyNone(t)
	const us = time.Microsecond
	lo, hi := scheduler.MinLockedSpin, scheduler.MaxLockedSpin
	cases := []struct {
		name           string
		budget, waited time.Duration
		want           time.Duration
	}{
		{name: "first sleep starts from the bound", budget: 0, waited: 150 * us, want: hi},
		{name: "a quick answer lets it decay by an eighth", budget: 80 * us, waited: us, want: 70 * us},
		{name: "a wait within the bound raises it to twice the wait", budget: 10 * us, waited: 30 * us, want: 60 * us},
		{name: "never above the bound", budget: 150 * us, waited: hi, want: hi},
		{name: "a long wait (the partner is idle) halves it", budget: 80 * us, waited: time.Millisecond, want: 40 * us},
		{name: "never below the floor", budget: lo, waited: time.Second, want: lo},
		{name: "decays to the floor", budget: lo, waited: 0, want: lo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, scheduler.AdaptSpin(tc.budget, tc.waited))
		})
	}
	// Partners gone quiet: a run of long waits brings the budget from the
	// top to the floor within a dozen sleeps.
	b, sleeps := time.Duration(0), 0
	for b != lo {
		b = scheduler.AdaptSpin(b, time.Second)
		sleeps++
	}
	assert.LessOrEqual(t, sleeps, 12)
}
