//go:build cgo

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/cmq"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// errRefused is a sink's answer to a callback once it is shut.
var errRefused = errors.New("upcall: sink shut")

// A sink is where the callbacks of one measurement deliver: a tasklet's
// channel (or, for the baseline, a Go channel). The C library knows it by
// its slot (cmq.Register).
type sink struct {
	ctx     context.Context // done when the sink shuts: blocked callbacks give up
	own     bool            // called back on the scheduler's own thread: never block
	single  *channel.Channel[int64]
	batches *channel.Channel[[]int64]
	goCh    chan int64   // baseline rows: a Go channel instead
	goBatch chan []int64 // baseline rows, batched
	shut    atomic.Bool
}

// register gives k a slot for the C library; unregister frees it.
func register(k *sink) (int, error) { return cmq.Register(k) }

func unregister(slot int) { cmq.Unregister(slot) }

// Message and Batch are the C library's receive callback (cmq.Receiver).
func (k *sink) Message(v int64) bool    { return k.message(v) == nil }
func (k *sink) Batch(vals []int64) bool { return k.batch(vals) == nil }

// The C library's calls.
var (
	poll       = cmq.Poll
	runThreads = cmq.RunThreads
)

const (
	maxBatch    = cmq.MaxBatch
	threadShift = cmq.ThreadShift
)

// message delivers one message.
func (k *sink) message(v int64) error {
	switch {
	case k.shut.Load():
		return errRefused
	case k.goCh != nil:
		select {
		case k.goCh <- v:
			return nil
		case <-k.ctx.Done():
			return errRefused
		}
	case k.own:
		return k.single.Offer(nil, v)
	}
	return k.single.SendOutside(k.ctx, v)
}

// batch delivers a batch as one item; vals is the C library's buffer,
// reused after the callback returns, so it is copied.
func (k *sink) batch(vals []int64) error {
	if k.shut.Load() {
		return errRefused
	}
	b := append(make([]int64, 0, len(vals)), vals...)
	switch {
	case k.goBatch != nil:
		select {
		case k.goBatch <- b:
			return nil
		case <-k.ctx.Done():
			return errRefused
		}
	case k.own:
		return k.batches.Offer(nil, b)
	}
	return k.batches.SendOutside(k.ctx, b)
}

// tally checks the messages a consumer receives: each C thread's in order,
// none twice. Only the consumer's scheduler touches it.
type tally struct {
	n    int64
	next [64]int64 // the next sequence number expected from each thread
	bad  int64     // out of order, duplicated or skipped
}

const seqMask = 1<<threadShift - 1

func (t *tally) take(v int64) {
	th, seq := v>>threadShift, v&seqMask
	if th < 0 || th >= int64(len(t.next)) || seq != t.next[th] {
		t.bad++
	} else {
		t.next[th]++
	}
	t.n++
}

// mode is one row of the table: where the callbacks come from.
type mode struct {
	name     string
	describe func(threads int) string
	baseline bool // Go channels and a goroutine instead of a tasklet
	where    int  // ownThread, lockedThread or cThreads
}

const (
	ownThread = iota
	lockedThread
	cThreads
)

var modes = []mode{
	{name: "own", where: ownThread, describe: func(int) string { return "(a) the scheduler's own thread (Offer)" }},
	{name: "locked", where: lockedThread, describe: func(int) string { return "(b) a Go-started locked thread (SendOutside)" }},
	{name: "C thread", where: cThreads, describe: func(n int) string {
		return fmt.Sprintf("(c) %d alien C thread(s) (SendOutside)", n)
	}},
	{name: "C thread, Go channel", where: cThreads, baseline: true, describe: func(n int) string {
		return fmt.Sprintf("    baseline: %d C thread(s) -> Go channel -> goroutine", n)
	}},
}

// stat is one measurement.
type stat struct {
	received int64
	elapsed  time.Duration
}

func (s stat) rate() float64 { return float64(s.received) / s.elapsed.Seconds() }

// ownChunk is how many messages the scheduler's own thread polls at a
// time: no more than the channel buffers, since its callbacks cannot block.
const ownChunk = 1024

// measure delivers about messages messages (split over threads C threads in
// the C-thread modes) to one consumer and checks them.
func measure(m mode, messages int64, batch, threads int) (stat, error) {
	per := messages
	if m.where == cThreads {
		per = messages / int64(threads)
	} else {
		threads = 1
	}
	want := per * int64(threads)
	if m.baseline {
		return measureGo(per, batch, threads)
	}
	res := make(chan struct {
		stat
		error
	}, 1)
	go func() { // a goroutine of its own, locked: the scheduler's thread
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		st, err := measureTasklet(m, per, batch, threads)
		res <- struct {
			stat
			error
		}{st, err}
	}()
	r := <-res
	if r.error == nil && r.received != want {
		r.error = fmt.Errorf("received %d of %d messages", r.received, want)
	}
	return r.stat, r.error
}

// consume is the consumer tasklet's body: it receives until the channel is
// closed and drained.
func consume(k *sink, tl *tally) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		for {
			if k.single != nil {
				v, err := k.single.Receive(t)
				if err != nil {
					return
				}
				tl.take(v)
				continue
			}
			b, err := k.batches.Receive(t)
			if err != nil {
				return
			}
			for _, v := range b {
				tl.take(v)
			}
		}
	}
}

// newSink makes the tasklet channel of a measurement.
func newSink(ctx context.Context, batch int, own bool) (*sink, error) {
	k := &sink{ctx: ctx, own: own}
	var err error
	if batch <= 1 {
		k.single, err = channel.NewBuffered[int64](ownChunk)
	} else {
		k.batches, err = channel.NewBuffered[[]int64](ownChunk)
	}
	return k, err
}

func (k *sink) closeChannel() {
	if k.single != nil {
		_ = k.single.Close(nil)
	} else {
		_ = k.batches.Close(nil)
	}
}

func measureTasklet(m mode, per int64, batch, threads int) (stat, error) {
	s, err := scheduler.New(scheduler.WithName("consumer"))
	if err != nil {
		return stat{}, err
	}
	defer s.Close()
	k, err := newSink(context.Background(), batch, m.where == ownThread)
	if err != nil {
		return stat{}, err
	}
	slot, err := register(k)
	if err != nil {
		return stat{}, err
	}
	defer unregister(slot)
	var tl tally
	if _, err := s.SpawnNamed("consumer", consume(k, &tl)); err != nil {
		return stat{}, err
	}
	var refused int64
	begin := time.Now()
	switch m.where {
	case ownThread:
		chunk := int64(ownChunk)
		if batch > 1 {
			chunk *= int64(batch)
		}
		for first := int64(0); first < per; first += chunk {
			refused += poll(slot, first, min(chunk, per-first), batch)
			if err := s.Main().Schedule(); err != nil { // the consumer drains
				return stat{}, err
			}
		}
		k.closeChannel()
	default:
		done := make(chan struct{})
		if err := s.Go(func() {
			defer close(done)
			defer k.closeChannel()
			if m.where == lockedThread {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				refused = poll(slot, 0, per, batch)
				return
			}
			refused = runThreads(slot, threads, per, batch)
		}); err != nil {
			return stat{}, err
		}
		if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
			return stat{}, err
		}
		<-done
	}
	if _, err := s.Run(); err != nil { // the consumer drains the rest
		return stat{}, err
	}
	elapsed := time.Since(begin)
	switch {
	case refused != 0:
		return stat{}, fmt.Errorf("%d messages refused", refused)
	case tl.bad != 0:
		return stat{}, fmt.Errorf("%d messages out of order or duplicated", tl.bad)
	}
	return stat{received: tl.n, elapsed: elapsed}, nil
}

// measureGo is the baseline: the C threads' callbacks send on a buffered Go
// channel to a goroutine.
func measureGo(per int64, batch, threads int) (stat, error) {
	k := &sink{ctx: context.Background()}
	if batch <= 1 {
		k.goCh = make(chan int64, ownChunk)
	} else {
		k.goBatch = make(chan []int64, ownChunk)
	}
	slot, err := register(k)
	if err != nil {
		return stat{}, err
	}
	defer unregister(slot)
	var tl tally
	done := make(chan struct{})
	go func() {
		defer close(done)
		if k.goCh != nil {
			for v := range k.goCh {
				tl.take(v)
			}
			return
		}
		for b := range k.goBatch {
			for _, v := range b {
				tl.take(v)
			}
		}
	}()
	begin := time.Now()
	refused := runThreads(slot, threads, per, batch)
	if k.goCh != nil {
		close(k.goCh)
	} else {
		close(k.goBatch)
	}
	<-done
	elapsed := time.Since(begin)
	switch {
	case refused != 0:
		return stat{}, fmt.Errorf("%d messages refused", refused)
	case tl.bad != 0 || tl.n != per*int64(threads):
		return stat{}, fmt.Errorf("baseline lost messages: %d of %d, %d bad", tl.n, per*int64(threads), tl.bad)
	}
	return stat{received: tl.n, elapsed: elapsed}, nil
}
