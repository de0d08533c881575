// Operations: their kinds, the error names, and how an operation and its
// result are printed in traces (shared with the runtime harness).

package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeUnit is the unit of a timeout in a program, on the runtime's fake
// clock.
const TimeUnit = time.Millisecond

// Kind is the kind of an operation.
type Kind uint8

// Operations. The first group may appear in a tasklet's script and be issued
// by main; the second only by main. Fields used: Ch (channel index), Val (a
// value, a preference, an error index or 0/1), T (a tasklet id; 0 is main),
// Script (the body of a spawned tasklet).
const (
	KSend           Kind = iota // ch.Send(caller, Val)
	KSendErr                    // ch.SendError(caller, SendErr Val)
	KRecv                       // ch.Receive(caller)
	KSchedule                   // caller.Schedule()
	KScheduleRemove             // caller.ScheduleRemove()
	KClose                      // ch.Close(caller)
	KOpen                       // ch.Open()
	KInsert                     // T.Insert()
	KRun                        // caller.Run(T)
	KSwitch                     // caller.Switch(T)
	KPanic                      // panic(PanicErr Val); script only
	KRunAll                     // s.RunFrom(caller): run until the ring empties
	KTrap                       // caller.SetBlockTrap(Val == 1)
	KAcquire                    // l.Acquire(caller): the program's one Lock
	KRelease                    // l.Release(caller)

	KSpawn          // s.Spawn(Script)
	KNew            // s.NewTasklet(Script)
	KInsertValue    // T.InsertValue(Val)
	KRemove         // T.Remove()
	KKill           // T.Kill()
	KKillNow        // caller.KillNow(T)
	KThrow          // T.Throw(Throw Val)
	KThrowNow       // caller.ThrowNow(T, Throw Val)
	KSetPref        // ch.SetPreference(Val)
	KSetScheduleAll // ch.SetScheduleAll(Val == 1)

	// KSelect and KCancel may appear in a script too (listed last, to keep
	// the others' numbers).
	//
	// KSelect is channel.Select(caller, Cases...) (see Case). Its result is
	// "i:" and what case i returned: a receive's value or error ("0:5",
	// "1:closed", "0:S1"), a send's error ("2:ok", "0:closed", "1:P0" for
	// an error delivered to main during the handoff), "i:timeout",
	// "i:canceled", a Default's "i:ok"; or, when the wait was cut, the
	// error that cut it ("X0", "deadlock", "wouldBlock").
	KSelect
	// KCancel cancels the program's context number Val (a no-op if done).
	KCancel
	// KSendT is ch.SendTimeout(caller, Val, D * TimeUnit), KRecvT
	// ch.ReceiveTimeout(caller, D * TimeUnit): D < 0 waits forever, 0 does
	// not wait ("timeout" if it would).
	KSendT
	KRecvT
	// KAdvance is FakeClock.Advance(Val * TimeUnit): timers that fall due
	// fire at the next switch.
	KAdvance
)

// CaseKind is the kind of one case of a KSelect.
type CaseKind uint8

// Select cases. Fields used: Ch (channel index), Val (the value a send
// hands over; a timeout in TimeUnits; a context index, -1 for
// context.Background()).
const (
	CRecv    CaseKind = iota // channel.Recv(c[Ch])
	CSend                    // channel.Send(c[Ch], Val)
	CTimeout                 // channel.Timeout(Val * TimeUnit): < 0 never fires, 0 is ready at once
	CDone                    // channel.Done(ctx[Val])
	CDefault                 // channel.Default()
)

// Case is one case of a KSelect.
type Case struct {
	Kind CaseKind
	Ch   int
	Val  int
}

// String names the case as it appears in traces.
func (k Case) String() string {
	switch k.Kind {
	case CRecv:
		return "recv c" + strconv.Itoa(k.Ch)
	case CSend:
		return fmt.Sprintf("send c%d %d", k.Ch, k.Val)
	case CTimeout:
		return "timeout " + strconv.Itoa(k.Val)
	case CDone:
		if k.Val < 0 {
			return "done bg"
		}
		return "done k" + strconv.Itoa(k.Val)
	case CDefault:
		return "default"
	}
	return fmt.Sprintf("case%d", k.Kind)
}

// NumCtx is the number of cancellable contexts of a program (k0, k1).
const NumCtx = 2

// Error names. Thrown errors are X0.., errors sent with SendError S0..,
// panic values P0..; runtime errors are named by what they mean.
const (
	NumErrs = 3

	ErrClosed        = "closed"
	ErrAlreadyClosed = "alreadyClosed"
	ErrDeadlock      = "deadlock"
	ErrDead          = "dead"
	ErrBlocked       = "blocked"
	ErrCurrent       = "current"
	ErrScheduled     = "scheduled"
	ErrNoValue       = "novalue"
	ErrWouldBlock    = "wouldBlock"
	ErrNotLocked     = "notLocked"
	ErrTimeout       = "timeout"
	ErrCanceled      = "canceled"
)

// ThrowName, SendErrName and PanicName name the i'th error of each family.
func ThrowName(i int) string   { return "X" + strconv.Itoa(i) }
func SendErrName(i int) string { return "S" + strconv.Itoa(i) }
func PanicName(i int) string   { return "P" + strconv.Itoa(i) }

// Op is one operation of a script or of main.
type Op struct {
	Kind   Kind
	Ch     int
	Val    int
	T      int
	Script []Op
	Cases  []Case // KSelect's cases, in argument order
	D      int    // KSendT, KRecvT: the timeout in TimeUnits
}

// String names the operation as it appears in traces.
func (o Op) String() string {
	c := "c" + strconv.Itoa(o.Ch)
	t := "t" + strconv.Itoa(o.T)
	switch o.Kind {
	case KSend:
		return fmt.Sprintf("send %s %d", c, o.Val)
	case KSendErr:
		return fmt.Sprintf("senderr %s %s", c, SendErrName(o.Val))
	case KRecv:
		return "recv " + c
	case KSchedule:
		return "sched"
	case KScheduleRemove:
		return "sremove"
	case KClose:
		return "close " + c
	case KOpen:
		return "open " + c
	case KInsert:
		return "insert " + t
	case KRun:
		return "run " + t
	case KSwitch:
		return "switch " + t
	case KPanic:
		return "panic " + PanicName(o.Val)
	case KSpawn:
		return "spawn"
	case KNew:
		return "new"
	case KInsertValue:
		return fmt.Sprintf("insertv %s %d", t, o.Val)
	case KRemove:
		return "remove " + t
	case KKill:
		return "kill " + t
	case KKillNow:
		return "killnow " + t
	case KThrow:
		return fmt.Sprintf("throw %s %s", t, ThrowName(o.Val))
	case KThrowNow:
		return fmt.Sprintf("thrownow %s %s", t, ThrowName(o.Val))
	case KSetPref:
		return fmt.Sprintf("pref %s %d", c, o.Val)
	case KSetScheduleAll:
		return fmt.Sprintf("schedall %s %d", c, o.Val)
	case KRunAll:
		return "runall"
	case KTrap:
		return fmt.Sprintf("trap %d", o.Val)
	case KAcquire:
		return "acquire"
	case KRelease:
		return "release"
	case KSelect:
		parts := make([]string, len(o.Cases))
		for i, k := range o.Cases {
			parts[i] = k.String()
		}
		return "select " + strings.Join(parts, ", ")
	case KCancel:
		return "cancel k" + strconv.Itoa(o.Val)
	case KSendT:
		return fmt.Sprintf("sendt %s %d %d", c, o.Val, o.D)
	case KRecvT:
		return fmt.Sprintf("recvt %s %d", c, o.D)
	case KAdvance:
		return "advance " + strconv.Itoa(o.Val)
	}
	return fmt.Sprintf("op%d", o.Kind)
}

// GoString prints the operation with its script, for program dumps.
func (o Op) GoString() string {
	if o.Kind != KSpawn && o.Kind != KNew {
		return o.String()
	}
	parts := make([]string, len(o.Script))
	for i, s := range o.Script {
		parts[i] = s.String()
	}
	return o.String() + " [" + strings.Join(parts, "; ") + "]"
}

// Result formatting shared by the model and the runtime harness.

// ErrOr returns "ok" for no error, else the error's name.
func ErrOr(err string) string {
	if err == "" {
		return "ok"
	}
	return err
}

// FmtRecv formats what a receive returned: the value, or the error.
func FmtRecv(v int, err string) string {
	if err != "" {
		return err
	}
	return strconv.Itoa(v)
}

// FmtSR formats what ScheduleRemove returned.
func FmtSR(v *int, err string) string {
	s := "v=nil"
	if v != nil {
		s = "v=" + strconv.Itoa(*v)
	}
	if err != "" {
		s += " err=" + err
	}
	return s
}
