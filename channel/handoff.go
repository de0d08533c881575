// Handoff and preference: after an operation completes a waiting partner's,
// which of the two tasklets runs first, and the settings that decide it.

package channel

import "github.com/stackless-go/stackless/tasklet"

// prefBias is added to the preference stored in Channel.pref, so that the
// zero Channel has the default preference, -1.
const prefBias = 1

// handoff wakes partner, whose operation the caller t has just completed,
// and applies the preference: the tasklet it favours runs first. A partner
// on another scheduler is queued there and t continues.
//
// The caller's operation is complete whatever happens here: a kill or throw
// that reaches t during the switch stays pending for its next call, so that
// a delivered value is never reported as failed nor a received one lost.
// For a send, an uncaught error delivered to t (main, in no Run) during the
// switch, such as the panic of a receiver that did not handle an error sent
// with SendError, is returned: SPEC section 3 delivers it at once to the
// call t is in. A receive returns its value, and the error comes from t's
// next call.
func (c *Channel[T]) handoff(t, partner *tasklet.Tasklet, sending bool) error {
	p := c.pref.Load() - prefBias
	all := c.scheduleAll.Load()
	favoursPartner := !all && ((sending && p < 0) || (!sending && p > 0))
	if task(partner).Runtime().Ready(nil, task(t), favoursPartner) && (favoursPartner || all) {
		return task(t).Runtime().Yield(sending)
	}
	return nil
}

// Preference returns the channel's preference: -1 receiver first (the
// default), 0 the caller continues, +1 sender first.
func (c *Channel[T]) Preference() int { return int(c.pref.Load() - prefBias) }

// SetPreference sets the preference (-1, 0 or +1).
func (c *Channel[T]) SetPreference(p int) error {
	if p < -1 || p > 1 {
		return ErrBadPreference
	}
	c.pref.Store(int32(p) + prefBias)
	return nil
}

// ScheduleAll reports whether schedule-all is set.
func (c *Channel[T]) ScheduleAll() bool { return c.scheduleAll.Load() }

// SetScheduleAll sets schedule-all: after every handoff the partner is
// queued at the end and the caller yields to the next runnable tasklet,
// whatever the preference.
func (c *Channel[T]) SetScheduleAll(on bool) { c.scheduleAll.Store(on) }
