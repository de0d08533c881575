// The runtime harness: a Program run on the real scheduler, channels and Lock.

package model

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The errors thrown, sent with SendError and panicked with, by index.
var throwErrs, sendErrs, panicErrs [NumErrs]error

func init() {
	for i := range NumErrs {
		throwErrs[i] = errors.New(ThrowName(i))
		sendErrs[i] = errors.New(SendErrName(i))
		panicErrs[i] = errors.New(PanicName(i))
	}
}

// errName names a runtime error as the model does ("" for nil).
func errName(err error) string {
	if err == nil {
		return ""
	}
	var pe *tasklet.PanicError
	if errors.As(err, &pe) {
		return "panic(" + errName(pe.Unwrap()) + ")"
	}
	for i := range NumErrs {
		switch {
		case errors.Is(err, throwErrs[i]):
			return ThrowName(i)
		case errors.Is(err, sendErrs[i]):
			return SendErrName(i)
		case errors.Is(err, panicErrs[i]):
			return PanicName(i)
		}
	}
	switch {
	case errors.Is(err, tasklet.ErrTimeout):
		return ErrTimeout
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	case errors.Is(err, channel.ErrClosed):
		return ErrClosed
	case errors.Is(err, channel.ErrAlreadyClosed):
		return ErrAlreadyClosed
	case errors.Is(err, tasklet.ErrDeadlock):
		return ErrDeadlock
	case errors.Is(err, tasklet.ErrDead):
		return ErrDead
	case errors.Is(err, tasklet.ErrBlocked):
		return ErrBlocked
	case errors.Is(err, tasklet.ErrCurrent):
		return ErrCurrent
	case errors.Is(err, tasklet.ErrScheduled):
		return ErrScheduled
	case errors.Is(err, tasklet.ErrNoValue):
		return ErrNoValue
	case errors.Is(err, tasklet.ErrWouldBlock):
		return ErrWouldBlock
	case errors.Is(err, locks.ErrNotLocked):
		return ErrNotLocked
	}
	return "other(" + err.Error() + ")"
}

// Program is a generated test case: channels, then main's operations.
type Program struct {
	Chans []ChanConfig
	Ops   []Op
}

func (p Program) String() string {
	var b strings.Builder
	for i, c := range p.Chans {
		fmt.Fprintf(&b, "  c%d: size %d, pref %d, schedule-all %v\n", i, c.Size, c.Pref, c.ScheduleAll)
	}
	id := 1
	for i, op := range p.Ops {
		fmt.Fprintf(&b, "  %2d: %#v", i, op)
		if op.Kind == KSpawn || op.Kind == KNew {
			fmt.Fprintf(&b, "   => t%d", id)
			id++
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// rt runs a program on the real runtime.
type rt struct {
	s     *scheduler.Scheduler
	ts    []*tasklet.Tasklet // by model id; ts[0] is main
	chans []*channel.Channel[int]
	lock  locks.Lock
	trace []string

	// The program's contexts, and the tasklets in a Select with a Done
	// case of each (the running chain only reads and writes them).
	clock   *scheduler.FakeClock
	ctxs    [NumCtx]context.Context
	cancels [NumCtx]context.CancelFunc
	inDone  [NumCtx][]*tasklet.Tasklet
}

// epoch is the fake clock's start: any date will do.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newRT(p Program) (*rt, error) {
	clock := scheduler.NewFakeClock(epoch)
	s, err := scheduler.New(scheduler.WithClock(clock))
	if err != nil {
		return nil, err
	}
	r := &rt{s: s, ts: []*tasklet.Tasklet{s.Main()}, clock: clock}
	for k := range NumCtx {
		r.ctxs[k], r.cancels[k] = context.WithCancel(context.Background())
	}
	for _, c := range p.Chans {
		ch := channel.New[int]()
		if c.Size > 0 {
			if ch, err = channel.NewBuffered[int](c.Size); err != nil {
				_ = s.Close()
				return nil, err
			}
		}
		if err := ch.SetPreference(c.Pref); err != nil {
			_ = s.Close()
			return nil, err
		}
		ch.SetScheduleAll(c.ScheduleAll)
		r.chans = append(r.chans, ch)
	}
	return r, nil
}

func (r *rt) logf(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf(format, args...))
}

// step lets main perform op.
func (r *rt) step(op Op) {
	if op.Kind == KSpawn || op.Kind == KNew {
		id := len(r.ts)
		name := "t" + strconv.Itoa(id)
		var tk *tasklet.Tasklet
		var err error
		if op.Kind == KSpawn {
			tk, err = r.s.SpawnNamed(name, r.body(id, op.Script))
		} else {
			tk, err = r.s.NewTasklet(name, r.body(id, op.Script))
		}
		r.ts = append(r.ts, tk)
		if err != nil {
			name = "error " + err.Error()
		}
		r.logf("main %s -> %s", op, name)
		return
	}
	r.logf("main %s -> %s", op, r.exec(r.s.Main(), op))
}

// body returns the body of tasklet id: it runs the script, logging every
// operation's result; its deferred function logs a kill or a panic.
func (r *rt) body(id int, script []Op) func(*tasklet.Tasklet) {
	name := "t" + strconv.Itoa(id)
	return func(tk *tasklet.Tasklet) {
		defer func() {
			if p := recover(); p != nil {
				if tasklet.IsKill(p) {
					r.logf("%s killed", name)
				} else {
					r.logf("%s panicked", name)
				}
				panic(p)
			}
		}()
		r.logf("%s start", name)
		for _, op := range script {
			if op.Kind == KPanic {
				r.logf("%s %s", name, op)
				panic(panicErrs[op.Val])
			}
			res := r.exec(tk, op)
			r.logf("%s %s -> %s", name, op, res)
		}
		r.logf("%s end", name)
	}
}

// exec performs op as tasklet t and returns its formatted result.
func (r *rt) exec(t *tasklet.Tasklet, op Op) string {
	res := func(err error) string { return ErrOr(errName(err)) }
	var ch *channel.Channel[int]
	if op.Ch < len(r.chans) {
		ch = r.chans[op.Ch]
	}
	var tg *tasklet.Tasklet
	if op.T < len(r.ts) {
		tg = r.ts[op.T]
	}
	switch op.Kind {
	case KSend:
		return res(ch.Send(t, op.Val))
	case KSendErr:
		return res(ch.SendError(t, sendErrs[op.Val]))
	case KRecv:
		v, err := ch.Receive(t)
		return FmtRecv(v, errName(err))
	case KSendT:
		return res(ch.SendTimeout(t, op.Val, time.Duration(op.D)*TimeUnit))
	case KRecvT:
		v, err := ch.ReceiveTimeout(t, time.Duration(op.D)*TimeUnit)
		return FmtRecv(v, errName(err))
	case KSelect:
		return r.sel(t, op.Cases)
	case KAdvance:
		r.clock.Advance(time.Duration(op.Val) * TimeUnit)
		return "ok"
	case KCancel:
		r.cancel(op.Val)
		return "ok"
	case KSchedule:
		return res(t.Schedule())
	case KScheduleRemove:
		v, err := t.ScheduleRemove()
		var vp *int
		if v != nil {
			n, ok := v.(int)
			if !ok {
				return fmt.Sprintf("v=%#v", v)
			}
			vp = &n
		}
		return FmtSR(vp, errName(err))
	case KClose:
		return res(ch.Close(t))
	case KOpen:
		ch.Open()
		return "ok"
	case KInsert:
		return res(tg.Insert())
	case KInsertValue:
		return res(tg.InsertValue(op.Val))
	case KRemove:
		return res(tg.Remove())
	case KRun:
		return res(t.Run(tg))
	case KSwitch:
		return res(t.Switch(tg))
	case KKill:
		return res(tg.Kill())
	case KKillNow:
		return res(t.KillNow(tg))
	case KThrow:
		return res(tg.Throw(throwErrs[op.Val]))
	case KThrowNow:
		return res(t.ThrowNow(tg, throwErrs[op.Val]))
	case KSetPref:
		return res(ch.SetPreference(op.Val))
	case KSetScheduleAll:
		ch.SetScheduleAll(op.Val == 1)
		return "ok"
	case KRunAll:
		v, err := r.s.RunFrom(t)
		if v != nil {
			return "victim " + v.Name()
		}
		return res(err)
	case KTrap:
		return fmt.Sprintf("old=%v", t.SetBlockTrap(op.Val == 1))
	case KAcquire:
		return res(r.lock.Acquire(t))
	case KRelease:
		return res(r.lock.Release(t))
	}
	return fmt.Sprintf("unknown op %v", op)
}

// sel performs a KSelect as t.
func (r *rt) sel(t *tasklet.Tasklet, cases []Case) string {
	cs := make([]channel.Case, len(cases))
	for i, k := range cases {
		switch k.Kind {
		case CRecv:
			cs[i] = channel.Recv(r.chans[k.Ch])
		case CSend:
			cs[i] = channel.Send(r.chans[k.Ch], k.Val)
		case CTimeout:
			cs[i] = channel.Timeout(time.Duration(k.Val) * TimeUnit)
		case CDone:
			ctx := context.Background()
			if k.Val >= 0 {
				ctx = r.ctxs[k.Val]
				r.inDone[k.Val] = append(r.inDone[k.Val], t)
				defer func() {
					r.inDone[k.Val] = slices.DeleteFunc(r.inDone[k.Val], func(x *tasklet.Tasklet) bool { return x == t })
				}()
			}
			cs[i] = channel.Done(ctx)
		case CDefault:
			cs[i] = channel.Default()
		}
	}
	i, err := channel.Select(t, cs...)
	if i < 0 {
		return ErrOr(errName(err))
	}
	if rc, ok := cs[i].(*channel.RecvCase[int]); ok {
		return fmt.Sprintf("%d:%s", i, FmtRecv(rc.Value(), errName(err)))
	}
	return fmt.Sprintf("%d:%s", i, ErrOr(errName(err)))
}

// cancel cancels context k, and waits until the context's goroutines have
// woken every select blocked on it: the model has them woken by the time
// cancel returns (its order among other wake-ups is then decided).
func (r *rt) cancel(k int) {
	r.cancels[k]()
	deadline := time.Now().Add(hangTimeout)
	for _, tk := range r.inDone[k] {
		for tk.State() == tasklet.Blocked {
			if time.Now().After(deadline) {
				panic("model: a select on a cancelled context is never woken")
			}
			runtime.Gosched()
		}
	}
}

// hangTimeout bounds one program on the runtime; a hang is a failure
// that cannot be reported through the test (main is stuck), so it panics.
const hangTimeout = 30 * time.Second

// runProgram runs p on the model and on the runtime, comparing after every
// step of main and after closing the scheduler. It returns nil if they agree.
func runProgram(p Program) (f *failure) {
	m := NewModel(p.Chans)
	r, err := newRT(p)
	if err != nil {
		return &failure{msg: "runtime setup: " + err.Error()}
	}
	hang := time.AfterFunc(hangTimeout, func() {
		panic(fmt.Sprintf("model: the runtime hangs on this program:\n%v", p))
	})
	defer hang.Stop()
	closed := false
	defer func() {
		if !closed {
			_ = r.s.Close()
		}
		for _, cancel := range r.cancels {
			cancel()
		}
	}()
	fail := func(step int, msg string) *failure {
		return &failure{step: step, msg: msg, mtrace: slices.Clone(m.Trace()), rttrace: slices.Clone(r.trace)}
	}
	for i, op := range p.Ops {
		if err := m.Step(op); err != nil {
			return fail(i, "invalid program: "+err.Error())
		}
		r.step(op)
		if msg := compare(m, r); msg != "" {
			return fail(i, msg)
		}
	}

	// Close kills what is left. The order of the kills is not specified;
	// a tasklet suspended in a call that a kill unwinds logs "killed" and
	// nothing else.
	mark := len(r.trace)
	clean := map[string]bool{}
	open := false
	for id := 1; id < m.NumTasklets(); id++ {
		switch {
		case m.CleanAtClose(id):
			clean["t"+strconv.Itoa(id)] = true
		case m.StateOf(id) != Dead && m.Started(id):
			open = true
		}
	}
	cerr := r.s.Close()
	closed = true
	step := len(p.Ops)
	if !open {
		if want := m.UncaughtAtClose(); want != (cerr != nil) {
			return fail(step, fmt.Sprintf("Close returned %v; an uncaught throw expected: %v", cerr, want))
		}
	}
	seen := map[string]int{}
	for _, ev := range r.trace[mark:] {
		name, rest, _ := strings.Cut(ev, " ")
		if clean[name] && rest != "killed" {
			return fail(step, fmt.Sprintf("at Close: unexpected event %q", ev))
		}
		if !clean[name] && !open {
			return fail(step, fmt.Sprintf("at Close: event %q from a tasklet that should not run", ev))
		}
		seen[name]++
	}
	for name := range clean {
		if seen[name] != 1 {
			return fail(step, fmt.Sprintf("at Close: %s logged %d events, want one kill", name, seen[name]))
		}
	}
	for id, tk := range r.ts[1:] {
		if tk.State() != tasklet.Dead {
			return fail(step, fmt.Sprintf("at Close: t%d is %v", id+1, tk.State()))
		}
	}
	for i, ch := range r.chans { // what is left is buffered
		if a, b := m.Len(i), ch.Balance(); a != b {
			return fail(step, fmt.Sprintf("at Close: c%d balance %d, want %d", i, b, a))
		}
	}
	return nil
}
