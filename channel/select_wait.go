// A blocked select's selector: the one claim that completes or cuts the
// wait, and the withdrawal of the select's other nodes from their queues.

package channel

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// The states of a selector.
const (
	selWaiting   int32 = iota
	selDone            // a case completed: chosen is its index
	selCancelled       // the scheduler cut the wait
)

// selector is a blocked select: what its tasklet parks on (its
// core.Blocker), and what its nodes point to. See the invariants.
type selector struct {
	state  atomic.Int32
	chosen int // written by the claimant that completes the select
	t      *tasklet.Tasklet
	cases  []Case // the caller's: read only
}

// claim completes the select with case i if it is still waiting.
func (s *selector) claim(i int) bool {
	if s.state.CompareAndSwap(selWaiting, selDone) {
		s.chosen = i
		return true
	}
	return false
}

// withdraw takes the select's nodes out of their queues, except case
// except's (already taken by its claimant), each under its channel's lock.
func (s *selector) withdraw(except int) {
	for i, k := range s.cases {
		if k, ok := k.(chanCase); ok && i != except {
			if _, _, ok := k.lockRef(); ok {
				k.withdraw(s)
			}
		}
	}
}

// fire is a Done case's context ending the wait: it completes case i, if
// the select is still waiting, and wakes the tasklet on its own scheduler
// with err (the context's error: a wake-up that failed the wait, so that a
// kill or throw coming before the tasklet runs is raised at the wait). It
// runs on the context's goroutine.
func (s *selector) fire(i int, err error) {
	if s.claim(i) {
		s.withdraw(-1)
		task(s.t).Runtime().Ready(err, nil, false)
	}
}

// Cancel implements core.Blocker: it cuts the wait if no claimant has
// completed the select, taking it out of every queue.
func (s *selector) Cancel(_ *core.Task, _ error) bool {
	if !s.state.CompareAndSwap(selWaiting, selCancelled) {
		return false
	}
	s.withdraw(-1)
	return true
}

// Describe implements core.Blocker: it names every channel the select waits
// on.
func (s *selector) Describe(*core.Task) string {
	var b strings.Builder
	b.WriteString("selecting")
	n := 0
	for _, k := range s.cases {
		var d string
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); !ok {
				continue
			}
			d = k.describe()
		case *timeoutCase:
			if k.d <= 0 {
				continue
			}
			d = fmt.Sprintf("timeout %v", k.d)
		case *doneCase:
			if k.ctx.Done() == nil {
				continue
			}
			d = "context done"
		default:
			continue
		}
		if n == 0 {
			b.WriteString(" on ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(d)
		n++
	}
	if n == 0 {
		b.WriteString(" on nothing")
	}
	return b.String()
}
