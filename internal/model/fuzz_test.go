package model

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// seedBytes returns n pseudo-random bytes for a seed corpus entry.
func seedBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0xf022))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// FuzzSchedulerChannel decodes the input into a program (the bytes are the
// generator's choices) and checks that the runtime matches the model.
func FuzzSchedulerChannel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 10, 0, 3, 5, 0, 0, 0, 20, 30, 40, 50, 60})
	for seed := range uint64(24) {
		f.Add(seedBytes(seed, 16+int(seed)*24))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		c := &byteChooser{b: data}
		p := generate(c, maxSteps, c.exhausted)
		if fl := runProgram(p); fl != nil {
			small := shrink(p)
			t.Fatalf("model and runtime disagree %v\nprogram:\n%v\nshrunk program:\n%v\nshrunk: %v", fl, p, small, runProgram(small))
		}
	})
}

// FuzzChannelOps decodes the input into tasklets running channel
// operations and main's interventions (any kill, throw, insert, remove,
// close, ... in any state: no model here), and checks invariants:
//   - after every step of main, each channel's Balance equals the senders
//     blocked on it minus the receivers blocked on it, its Queue holds
//     exactly them, and RunCount counts main and the scheduled tasklets;
//   - every value is received at most once, and only if it was sent;
//     after Close, a value whose Send returned nil was received and one
//     whose Send failed was not (a completed handoff is never undone, not
//     even by a kill: nothing sent is lost);
//   - Close leaves every tasklet dead, every queue empty, and no goroutine.
func FuzzChannelOps(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	for seed := range uint64(24) {
		f.Add(seedBytes(1000+seed, 24+int(seed)*16))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		checkChannelOps(t, data)
	})
}

var opsFlag = flag.Int("opsinputs", 0, "TestChannelOpsRandom: number of random inputs (0: the default)")

// TestChannelOpsRandom runs FuzzChannelOps' checks on random inputs.
func TestChannelOpsRandom(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := 3000
	switch {
	case *opsFlag > 0:
		n = *opsFlag
	case raceEnabled || testing.Short():
		n = 500
	}
	for seed := range uint64(n) {
		data := seedBytes(5000+seed, 32+int(seed%200))
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkChannelOps(t, data) })
		if t.Failed() {
			t.Logf("input: %#v", data)
			return
		}
	}
}

// opsTasklet is what the FuzzChannelOps harness knows of one tasklet.
type opsTasklet struct {
	tk      *tasklet.Tasklet
	ch      int  // the channel of the operation in progress (-1: none)
	sending bool // the operation in progress is a send
	value   int  // the value being sent
}

type opsHarness struct {
	t     *testing.T
	c     *byteChooser
	s     *scheduler.Scheduler
	chans []*channel.Channel[int]
	ts    []*opsTasklet // ts[0] is main
	nextV int
	sent  map[int]string // value -> "ok", "failed", "" (Send did not return)
	recvd map[int]int
}

func checkChannelOps(t *testing.T, data []byte) {
	c := &byteChooser{b: data}
	s, err := scheduler.New()
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			_ = s.Close()
		}
	}()
	h := &opsHarness{t: t, c: c, s: s, sent: map[int]string{}, recvd: map[int]int{}}
	h.ts = []*opsTasklet{{tk: s.Main(), ch: -1}}
	for range 1 + c.Intn(3) {
		ch := channel.New[int]()
		require.NoError(t, ch.SetPreference(c.Intn(3)-1))
		ch.SetScheduleAll(c.Intn(5) == 4)
		h.chans = append(h.chans, ch)
	}
	for range 1 + c.Intn(5) {
		h.spawn()
	}
	for step := 0; step < 60 && !c.exhausted(); step++ {
		h.mainStep()
		h.check(step)
		if t.Failed() {
			return
		}
	}
	_ = s.Close() // may report uncaught throws and panics: not checked here
	closed = true
	for i, ot := range h.ts[1:] {
		assert.Equal(t, tasklet.Dead, ot.tk.State(), "t%d after Close", i+1)
	}
	for i, ch := range h.chans {
		assert.Equal(t, 0, ch.Balance(), "c%d after Close", i)
	}
	for v, st := range h.sent {
		switch st {
		case "ok":
			assert.Equal(t, 1, h.recvd[v], "value %d: Send returned nil", v)
		case "failed":
			assert.Zero(t, h.recvd[v], "value %d received though its send failed", v)
		}
	}
}

func (h *opsHarness) value() int { h.nextV++; return h.nextV }

func (h *opsHarness) target() *opsTasklet {
	if len(h.ts) == 1 {
		return nil
	}
	return h.ts[1+h.c.Intn(len(h.ts)-1)]
}

// spawn creates a tasklet with a random script of channel operations,
// sometimes kills and throws at others.
func (h *opsHarness) spawn() {
	c := h.c
	type sop struct{ kind, ch, val, t int }
	var script []sop
	for range c.Intn(8) {
		script = append(script, sop{kind: c.Intn(10), ch: c.Intn(len(h.chans)), val: h.value(), t: c.Intn(len(h.ts) + 1)})
	}
	ot := &opsTasklet{ch: -1}
	id := len(h.ts)
	h.ts = append(h.ts, ot)
	body := func(tk *tasklet.Tasklet) {
		defer func() {
			if ot.ch >= 0 && ot.sending && ot.value > 0 {
				h.sent[ot.value] = "" // unwound inside Send: either way
			}
			ot.ch = -1
		}()
		for _, op := range script {
			switch op.kind {
			case 0, 1, 2:
				h.send(ot, tk, op.ch, op.val)
			case 3, 4, 5:
				h.recv(ot, tk, op.ch)
			case 6:
				_ = tk.Schedule()
			case 7:
				if c := h.chans[op.ch]; op.val%2 == 0 {
					_ = c.Close(tk)
				} else {
					c.Open()
				}
			case 8:
				if op.t > 0 && op.t < len(h.ts) && op.t != id {
					_ = h.ts[op.t].tk.Kill()
				} else {
					_, _ = tk.ScheduleRemove()
				}
			case 9:
				if op.t > 0 && op.t < len(h.ts) {
					_ = h.ts[op.t].tk.Throw(throwErrs[op.val%NumErrs])
				} else {
					ot.ch, ot.sending, ot.value = op.ch, true, 0
					_ = h.chans[op.ch].SendError(tk, sendErrs[0])
					ot.ch = -1
				}
			}
		}
	}
	tk, err := h.s.SpawnNamed(fmt.Sprint("t", id), body)
	require.NoError(h.t, err)
	ot.tk = tk
}

func (h *opsHarness) send(ot *opsTasklet, tk *tasklet.Tasklet, ch, v int) {
	ot.ch, ot.sending, ot.value = ch, true, v
	h.sent[v] = ""
	err := h.chans[ch].Send(tk, v)
	ot.ch = -1
	var pe *tasklet.PanicError
	switch {
	case err == nil:
		h.sent[v] = "ok"
	case errors.As(err, &pe):
		// An uncaught error delivered to main: it cut main's wait, or
		// came after the value was handed over (SPEC 3): either way.
		h.sent[v] = ""
	default:
		h.sent[v] = "failed"
	}
}

func (h *opsHarness) recv(ot *opsTasklet, tk *tasklet.Tasklet, ch int) {
	ot.ch, ot.sending = ch, false
	v, err := h.chans[ch].Receive(tk)
	ot.ch = -1
	if err != nil {
		return
	}
	if _, ok := h.sent[v]; !ok {
		h.t.Errorf("received %d, which nobody sent", v)
	}
	h.recvd[v]++
	if h.recvd[v] > 1 {
		h.t.Errorf("value %d received %d times", v, h.recvd[v])
	}
}

// mainStep lets main do one random thing.
func (h *opsHarness) mainStep() {
	c := h.c
	main := h.ts[0]
	ch := h.chans[c.Intn(len(h.chans))]
	chi := c.Intn(len(h.chans))
	switch c.Intn(16) {
	case 0, 1, 2:
		_ = main.tk.Schedule()
	case 3:
		_, _ = h.s.Run()
	case 4:
		h.send(main, main.tk, chi, h.value())
	case 5:
		h.recv(main, main.tk, chi)
	case 6:
		if tg := h.target(); tg != nil {
			_ = tg.tk.Kill()
		}
	case 7:
		if tg := h.target(); tg != nil {
			_ = main.tk.KillNow(tg.tk)
		}
	case 8:
		if tg := h.target(); tg != nil {
			_ = tg.tk.Throw(throwErrs[0])
		}
	case 9:
		if tg := h.target(); tg != nil {
			_ = main.tk.ThrowNow(tg.tk, throwErrs[1])
		}
	case 10:
		if tg := h.target(); tg != nil {
			_ = tg.tk.Insert()
		}
	case 11:
		if tg := h.target(); tg != nil {
			_ = tg.tk.Remove()
		}
	case 12:
		_ = ch.Close(main.tk)
	case 13:
		ch.Open()
	case 14:
		if len(h.ts) < 12 {
			h.spawn()
		}
	case 15:
		_ = ch.SetPreference(c.Intn(3) - 1)
		ch.SetScheduleAll(c.Intn(4) == 3)
	}
}

// check verifies the invariants that hold whenever main runs.
func (h *opsHarness) check(step int) {
	t := h.t
	scheduled := 1 // main, current
	for _, ot := range h.ts[1:] {
		if st := ot.tk.State(); st == tasklet.Scheduled {
			scheduled++
		}
	}
	assert.Equal(t, scheduled, h.s.RunCount(), "step %d: RunCount", step)
	for i, ch := range h.chans {
		want := 0
		for _, ot := range h.ts[1:] {
			if ot.tk.State() == tasklet.Blocked && ot.ch == i {
				if ot.sending {
					want++
				} else {
					want--
				}
			}
		}
		bal := ch.Balance()
		assert.Equal(t, want, bal, "step %d: c%d balance", step, i)
		q := ch.Queue()
		assert.Len(t, q, max(bal, -bal), "step %d: c%d queue", step, i)
		for _, tk := range q {
			var ot *opsTasklet
			for _, x := range h.ts {
				if x.tk == tk {
					ot = x
				}
			}
			if assert.NotNil(t, ot) {
				assert.Equal(t, tasklet.Blocked, tk.State(), "step %d: %v queued on c%d", step, tk, i)
				assert.Equal(t, i, ot.ch, "step %d: %v queued on c%d", step, tk, i)
				assert.Equal(t, bal > 0, ot.sending, "step %d: %v queued on c%d", step, tk, i)
			}
		}
	}
}
