// Waking after unlocking: the tasklets a waker collects under a lock
// and readies once the lock is released.

package locks

import (
	"github.com/stackless-go/stackless/tasklet"
)

// wakeList collects the tasklets a waker readies after unlocking. Its
// inline buffer keeps the common cases (one or a few waiters) free of
// allocations.
type wakeList struct {
	n    int
	buf  [4]*tasklet.Tasklet
	more []*tasklet.Tasklet
}

func (l *wakeList) add(t *tasklet.Tasklet) {
	if l.n < len(l.buf) {
		l.buf[l.n] = t
		l.n++
		return
	}
	l.more = append(l.more, t)
}

// ready wakes the collected tasklets, in order. Call it with no lock held:
// Ready takes the scheduler's lock.
func (l *wakeList) ready(err error, waker *tasklet.Tasklet) {
	for _, t := range l.buf[:l.n] {
		task(t).Runtime().Ready(err, task(waker), false)
	}
	for _, t := range l.more {
		task(t).Runtime().Ready(err, task(waker), false)
	}
}
