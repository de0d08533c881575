package model

import (
	"math/rand/v2"
	"slices"
)

// chooser is the source of every random choice: a seeded PRNG for
// TestModel, the fuzzer's bytes for FuzzSchedulerChannel.
type chooser interface {
	Intn(n int) int // in [0, n)
}

type rngChooser struct{ r *rand.Rand }

func newRNG(seed int64) *rngChooser {
	return &rngChooser{rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

func (c *rngChooser) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	return c.r.IntN(n)
}

// byteChooser reads choices from bytes; exhausted, it answers 0.
type byteChooser struct {
	b []byte
	i int
}

func (c *byteChooser) Intn(n int) int {
	if n <= 1 || c.i >= len(c.b) {
		return 0
	}
	v := int(c.b[c.i])
	c.i++
	if n > 256 && c.i < len(c.b) {
		v = v<<8 | int(c.b[c.i])
		c.i++
	}
	return v % n
}

func (c *byteChooser) exhausted() bool { return c.i >= len(c.b) }

// weighted picks an index with probability proportional to its weight.
func weighted(c chooser, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := c.Intn(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

type opWeight struct {
	k Kind
	w int
}

type gen struct {
	c     chooser
	nextV int // the next value to send: every value is sent once
	maxT  int // most tasklets to create
}

var mainWeights = []opWeight{
	{KSpawn, 6}, {KNew, 1}, {KSchedule, 6}, {KScheduleRemove, 1}, {KRun, 2}, {KSwitch, 1},
	{KSend, 4}, {KSendErr, 1}, {KRecv, 4}, {KInsert, 2}, {KInsertValue, 1}, {KRemove, 2},
	{KKill, 2}, {KKillNow, 2}, {KThrow, 2}, {KThrowNow, 2}, {KClose, 2}, {KOpen, 1},
	{KSetPref, 1}, {KSetScheduleAll, 1}, {KRunAll, 3}, {KTrap, 1}, {KAcquire, 3}, {KRelease, 3},
	{KSelect, 4}, {KCancel, 2}, {KSendT, 2}, {KRecvT, 2}, {KAdvance, 2},
}

var scriptWeights = []opWeight{
	{KSend, 8}, {KRecv, 8}, {KSendErr, 1}, {KSchedule, 6}, {KScheduleRemove, 2},
	{KClose, 1}, {KOpen, 1}, {KInsert, 3}, {KRun, 2}, {KSwitch, 1}, {KPanic, 1},
	{KRunAll, 1}, {KTrap, 1}, {KAcquire, 4}, {KRelease, 4}, {KSelect, 5}, {KCancel, 2}, {KSendT, 2}, {KRecvT, 2}, {KAdvance, 1},
	{KKill, 1}, {KKillNow, 1}, {KThrow, 1}, {KThrowNow, 1}, // on itself (SPEC 2)
}

func (g *gen) pick(ws []opWeight) Kind {
	w := make([]int, len(ws))
	for i, x := range ws {
		w[i] = x.w
	}
	return ws[weighted(g.c, w)].k
}

func (g *gen) value() int { g.nextV++; return g.nextV }

// script generates the body of tasklet self, which may name main, itself
// and the tasklets created before it.
func (g *gen) script(self, nch int) []Op {
	n := weighted(g.c, []int{1, 3, 4, 4, 3, 2, 2, 1})
	var s []Op
	for range n {
		op := Op{Kind: g.pick(scriptWeights), Ch: g.c.Intn(nch)}
		switch op.Kind {
		case KSend:
			op.Val = g.value()
		case KSendErr, KPanic:
			op.Val = g.c.Intn(NumErrs)
		case KTrap:
			op.Val = 1 - g.c.Intn(2)
		case KInsert, KRun, KSwitch:
			op.T = g.c.Intn(self + 1)
		case KKill, KKillNow:
			op.T = self // raised at once in the caller (SPEC 2)
		case KThrow, KThrowNow:
			op.T = self
			op.Val = g.c.Intn(NumErrs)
		case KSelect:
			op.Cases = g.cases(nch)
		case KCancel:
			op.Val = g.c.Intn(NumCtx)
		case KSendT:
			op.Val = g.value()
			op.D = g.timeout()
		case KRecvT:
			op.D = g.timeout()
		case KAdvance:
			op.Val = 1 + g.c.Intn(3)
		}
		s = append(s, op)
	}
	return s
}

// timeout generates a timeout in TimeUnits: -1 (none), 0 (no wait) or 1-3.
func (g *gen) timeout() int {
	return []int{-1, 0, 1, 2, 3}[weighted(g.c, []int{1, 1, 3, 2, 1})]
}

// cases generates the cases of a select: one to four, of any kind, on any
// channels (the same one twice too); each sent value is new; at most one
// Default, and at most one Done case per context (which of two Done cases
// of one context a cancellation completes is a race between goroutines).
func (g *gen) cases(nch int) []Case {
	n := 1 + weighted(g.c, []int{3, 4, 2, 1})
	var cs []Case
	def, done := false, [NumCtx]bool{}
	for len(cs) < n {
		k := Case{Kind: []CaseKind{CRecv, CSend, CTimeout, CDone, CDefault}[weighted(g.c, []int{8, 8, 4, 4, 1})], Ch: g.c.Intn(nch)}
		switch k.Kind {
		case CSend:
			k.Val = g.value()
		case CTimeout:
			k.Val = g.timeout()
		case CDone:
			k.Val = g.c.Intn(NumCtx+1) - 1 // -1: context.Background()
			if k.Val >= 0 {
				if done[k.Val] {
					continue
				}
				done[k.Val] = true
			}
		case CDefault:
			if def {
				continue
			}
			def = true
		}
		if k.Kind != CRecv && k.Kind != CSend {
			k.Ch = 0
		}
		cs = append(cs, k)
	}
	return cs
}

// mainOp generates an operation for main given the model's current state.
func (g *gen) mainOp(m *Model) Op {
	n := m.NumTasklets()
	nch := m.NumChans()
	if w := m.WokenLockWaiters(); len(w) > 0 && g.c.Intn(3) == 0 {
		// The woken-then-killed window (SPEC section 2): kill or throw
		// into a lock waiter that was woken but has not run.
		op := Op{Kind: []Kind{KKill, KKillNow, KThrow, KThrowNow}[g.c.Intn(4)], T: w[g.c.Intn(len(w))]}
		if op.Kind == KThrow || op.Kind == KThrowNow {
			op.Val = g.c.Intn(NumErrs)
		}
		return op
	}
	if w := m.ContextWaiters(); len(w) > 0 && g.c.Intn(4) == 0 {
		// A context wait ended by a kill at the wait, a throw, or a Remove
		// before it runs: its Waker must end with it (mustSleep), so that
		// a deadlock is reported next.
		id := w[g.c.Intn(len(w))]
		kinds := []Kind{KKill, KKillNow, KThrow, KThrowNow}
		if m.StateOf(id) == Scheduled { // Remove of a blocked one is ErrBlocked
			kinds = append(kinds, KRemove, KRemove, KRemove)
		}
		op := Op{Kind: kinds[g.c.Intn(len(kinds))], T: id}
		if op.Kind == KThrow || op.Kind == KThrowNow {
			op.Val = g.c.Intn(NumErrs)
		}
		return op
	}
	k := g.pick(mainWeights)
	if n == 1 && k != KSend && k != KSendErr && k != KRecv && k != KSelect && k != KClose && k != KOpen &&
		k != KSetPref && k != KSetScheduleAll && k != KRunAll && k != KTrap && k != KSchedule && k != KScheduleRemove &&
		k != KAcquire && k != KRelease && k != KCancel && k != KSendT && k != KRecvT && k != KAdvance {
		k = KSpawn
	}
	if k == KSpawn && n > g.maxT {
		k = KSchedule
	}
	op := Op{Kind: k, Ch: g.c.Intn(nch)}
	target := func(withMain bool) int {
		if withMain && g.c.Intn(8) == 0 {
			return 0
		}
		var live []int
		for id := 1; id < n; id++ {
			if m.StateOf(id) != Dead {
				live = append(live, id)
			}
		}
		if len(live) > 0 && g.c.Intn(4) != 0 {
			return live[g.c.Intn(len(live))]
		}
		return 1 + g.c.Intn(n-1)
	}
	switch k {
	case KSpawn, KNew:
		op.Script = g.script(n, nch)
	case KSend:
		op.Val = g.value()
	case KSendErr:
		op.Val = g.c.Intn(NumErrs)
	case KInsert, KRun, KSwitch, KRemove:
		op.T = target(true)
	case KInsertValue:
		op.T = target(false)
		op.Val = 100 + g.value()
	case KKill, KKillNow:
		op.T = target(false)
	case KThrow, KThrowNow:
		op.T = target(false)
		op.Val = g.c.Intn(NumErrs)
	case KSelect:
		op.Cases = g.cases(nch)
	case KCancel:
		op.Val = g.c.Intn(NumCtx)
	case KSendT:
		op.Val = g.value()
		op.D = g.timeout()
	case KRecvT:
		op.D = g.timeout()
	case KAdvance:
		op.Val = 1 + g.c.Intn(3)
	case KSetPref:
		op.Val = g.c.Intn(3) - 1
	case KSetScheduleAll, KTrap:
		op.Val = g.c.Intn(2)
	}
	return op
}

// generate builds a random program, step by step, keeping only the
// operations whose outcome the model says the SPEC defines.
func generate(c chooser, maxSteps int, stop func() bool) Program {
	g := &gen{c: c, maxT: 8}
	var p Program
	nch := 1 + c.Intn(3)
	for range nch {
		cfg := ChanConfig{Pref: []int{-1, -1, -1, 0, 1, 1}[c.Intn(6)]}
		cfg.ScheduleAll = c.Intn(6) == 5 // exhausted fuzz input: off
		if c.Intn(4) == 3 {              // exhausted: unbuffered
			cfg.Size = 1 + c.Intn(2)
		}
		p.Chans = append(p.Chans, cfg)
	}
	steps := 4 + c.Intn(max(1, maxSteps-4))
	m := NewModel(p.Chans)
	if c.Intn(8) == 7 {
		// A burst of spawns: the run queue outgrows its initial 16 slots
		// and wraps around as it rotates.
		g.maxT = 30
		for range 14 + c.Intn(10) {
			op := Op{Kind: KSpawn, Script: g.script(m.NumTasklets(), nch)}
			if m.Step(op) != nil {
				panic("spawn is always specified")
			}
			p.Ops = append(p.Ops, op)
		}
		steps += len(p.Ops)
	}
	for len(p.Ops) < steps {
		if stop != nil && stop() {
			break
		}
		ok := false
		for range 16 {
			op := g.mainOp(m)
			m2 := m.Clone()
			if m2.Step(op) != nil {
				continue
			}
			p.Ops = append(p.Ops, op)
			m = m2
			ok = true
			break
		}
		if !ok {
			break
		}
	}
	return p
}

// valid reports whether the model defines every step of p.
func valid(p Program) bool {
	m := NewModel(p.Chans)
	for _, op := range p.Ops {
		if m.Step(op) != nil {
			return false
		}
	}
	return true
}

// shrink returns a smaller program that still fails: it drops main's
// operations, whole tasklets and script operations while the failure stays.
func shrink(p Program) Program {
	fails := func(q Program) bool { return valid(q) && runProgram(q) != nil }
	for changed := true; changed; {
		changed = false
		// Drop whole tasklets (their spawn and every reference to them).
		for id := countTasklets(p); id >= 1; id-- {
			if q := dropTasklet(p, id); fails(q) {
				p, changed = q, true
			}
		}
		// Drop main's other operations.
		for i := len(p.Ops) - 1; i >= 0; i-- {
			if k := p.Ops[i].Kind; k == KSpawn || k == KNew {
				continue
			}
			q := p
			q.Ops = slices.Delete(slices.Clone(p.Ops), i, i+1)
			if fails(q) {
				p, changed = q, true
			}
		}
		// Drop script operations.
		for i := range p.Ops {
			for j := len(p.Ops[i].Script) - 1; j >= 0; j-- {
				q := p
				q.Ops = slices.Clone(p.Ops)
				q.Ops[i].Script = slices.Delete(slices.Clone(p.Ops[i].Script), j, j+1)
				if fails(q) {
					p, changed = q, true
				}
			}
		}
		// Drop select cases (a select keeps one).
		for i := range p.Ops {
			if q, ok := dropCase(p, i, -1); ok && fails(q) {
				p, changed = q, true
			}
			for j := range p.Ops[i].Script {
				if q, ok := dropCase(p, i, j); ok && fails(q) {
					p, changed = q, true
				}
			}
		}
		// Channel defaults: unbuffered, then preference and
		// schedule-all.
		for i, c := range p.Chans {
			for _, d := range []ChanConfig{{Pref: c.Pref, ScheduleAll: c.ScheduleAll}, {Size: p.Chans[i].Size, Pref: -1}} {
				if p.Chans[i] != d {
					q := p
					q.Chans = slices.Clone(p.Chans)
					q.Chans[i] = d
					if fails(q) {
						p, changed = q, true
					}
				}
			}
		}
	}
	return p
}

// dropCase returns p without the last case of the select that is main's
// operation i (j < 0) or operation j of its script; ok is false if that is
// no select with two cases or more.
func dropCase(p Program, i, j int) (Program, bool) {
	op := p.Ops[i]
	if j >= 0 {
		op = op.Script[j]
	}
	if op.Kind != KSelect || len(op.Cases) < 2 {
		return p, false
	}
	op.Cases = slices.Clone(op.Cases[:len(op.Cases)-1])
	q := p
	q.Ops = slices.Clone(p.Ops)
	if j < 0 {
		q.Ops[i] = op
	} else {
		q.Ops[i].Script = slices.Clone(p.Ops[i].Script)
		q.Ops[i].Script[j] = op
	}
	return q, true
}

func countTasklets(p Program) int {
	n := 0
	for _, op := range p.Ops {
		if op.Kind == KSpawn || op.Kind == KNew {
			n++
		}
	}
	return n
}

// usesTasklet reports whether op names a tasklet in T.
func usesTasklet(k Kind) bool {
	switch k {
	case KInsert, KRun, KSwitch, KInsertValue, KRemove, KKill, KKillNow, KThrow, KThrowNow:
		return true
	}
	return false
}

// dropTasklet removes tasklet id's creation and every operation naming it;
// later tasklets are renumbered.
func dropTasklet(p Program, id int) Program {
	remap := func(ops []Op) []Op {
		var out []Op
		for _, op := range ops {
			if usesTasklet(op.Kind) {
				if op.T == id {
					continue
				}
				if op.T > id {
					op.T--
				}
			}
			if op.Script != nil {
				op.Script = remapScript(op.Script, id)
			}
			out = append(out, op)
		}
		return out
	}
	q := Program{Chans: p.Chans}
	n := 0
	var ops []Op
	for _, op := range p.Ops {
		if op.Kind == KSpawn || op.Kind == KNew {
			n++
			if n == id {
				continue
			}
		}
		ops = append(ops, op)
	}
	q.Ops = remap(ops)
	return q
}

func remapScript(s []Op, id int) []Op {
	var out []Op
	for _, op := range s {
		if usesTasklet(op.Kind) {
			if op.T == id {
				continue
			}
			if op.T > id {
				op.T--
			}
		}
		out = append(out, op)
	}
	return out
}
