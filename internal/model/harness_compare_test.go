// Comparing the runtime's trace with the model's, and reporting a failing program.

package model

import (
	"fmt"
	"slices"
	"strings"
)

// compare returns "" if the runtime matches the model, else what differs.
func compare(m *Model, r *rt) string {
	mt := m.Trace()
	if !slices.Equal(mt, r.trace) {
		i := 0
		for i < len(mt) && i < len(r.trace) && mt[i] == r.trace[i] {
			i++
		}
		return fmt.Sprintf("traces differ at event %d", i)
	}
	var diffs []string
	if r.s.Current() != r.s.Main() {
		diffs = append(diffs, fmt.Sprintf("current is %v, not main", r.s.Current()))
	}
	if a, b := m.RunCount(), r.s.RunCount(); a != b {
		diffs = append(diffs, fmt.Sprintf("RunCount: model %d, runtime %d", a, b))
	}
	if a, b := m.Live(), r.s.Len(); a != b {
		diffs = append(diffs, fmt.Sprintf("Len: model %d, runtime %d", a, b))
	}
	for id, tk := range r.ts {
		if a, b := m.StateOf(id).String(), tk.State().String(); a != b {
			diffs = append(diffs, fmt.Sprintf("t%d state: model %s, runtime %s", id, a, b))
		}
	}
	if a, b := m.LockHeld(), r.lock.Locked(); a != b {
		diffs = append(diffs, fmt.Sprintf("lock held: model %v, runtime %v", a, b))
	}
	if a, b := m.LockWaiting(), r.lock.Waiting(); a != b {
		diffs = append(diffs, fmt.Sprintf("lock waiting: model %d, runtime %d", a, b))
	}
	for i, ch := range r.chans {
		if a, b := m.Balance(i), ch.Balance(); a != b {
			diffs = append(diffs, fmt.Sprintf("c%d Balance: model %d, runtime %d", i, a, b))
		}
		var q []int
		for _, tk := range ch.Queue() {
			q = append(q, slices.Index(r.ts, tk))
		}
		if a := m.Queue(i); !slices.Equal(a, q) {
			diffs = append(diffs, fmt.Sprintf("c%d Queue: model %v, runtime %v", i, a, q))
		}
		if a, b := m.Len(i), ch.Len(); a != b {
			diffs = append(diffs, fmt.Sprintf("c%d Len: model %d, runtime %d", i, a, b))
		}
		if a, b := m.Closing(i), ch.Closing(); a != b {
			diffs = append(diffs, fmt.Sprintf("c%d Closing: model %v, runtime %v", i, a, b))
		}
		if a, b := m.Closing(i) && m.Balance(i) == 0, ch.Closed(); a != b {
			diffs = append(diffs, fmt.Sprintf("c%d Closed: model %v, runtime %v", i, a, b))
		}
	}
	return strings.Join(diffs, "; ")
}

// failure is a mismatch between model and runtime.
type failure struct {
	step    int // the main operation after which it was seen (len(Ops): at Close)
	msg     string
	mtrace  []string
	rttrace []string
}

func (f *failure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "after step %d: %s\n", f.step, f.msg)
	n := max(len(f.mtrace), len(f.rttrace))
	fmt.Fprintf(&b, "  %-4s %-38s %s\n", "#", "model", "runtime")
	for i := range n {
		var a, c string
		if i < len(f.mtrace) {
			a = f.mtrace[i]
		}
		if i < len(f.rttrace) {
			c = f.rttrace[i]
		}
		mark := " "
		if a != c {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %-4d %-38s %s\n", mark, i, a, c)
	}
	return b.String()
}
