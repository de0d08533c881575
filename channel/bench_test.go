package channel_test

import (
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkPingPong: two tasklets hand a value back and forth; op = one round
// trip. Baseline: BenchmarkPingPongGoroutines.
func BenchmarkPingPong(b *testing.B) { bench.PingPong(b) }

// BenchmarkPingPongGoroutines is the baseline of BenchmarkPingPong and
// BenchmarkCrossPingPong.
func BenchmarkPingPongGoroutines(b *testing.B) { bench.PingPongGoroutines(b) }

// BenchmarkBuffered: a producer streams into a consumer tasklet through a
// buffered channel of 1024; op = one message. Baseline:
// BenchmarkBufferedGoroutines.
func BenchmarkBuffered(b *testing.B) { bench.Buffered(b) }

// BenchmarkBufferedGoroutines is the baseline of BenchmarkBuffered and
// BenchmarkCrossStream.
func BenchmarkBufferedGoroutines(b *testing.B) { bench.BufferedGoroutines(b) }

// BenchmarkCrossPingPong: tasklets on two schedulers; op = one round trip.
func BenchmarkCrossPingPong(b *testing.B) { bench.CrossPingPong(b) }

// BenchmarkCrossStream: a plain goroutine streams into a tasklet on another
// scheduler through a buffered channel of 1024; op = one message.
func BenchmarkCrossStream(b *testing.B) { bench.CrossStream(b) }

// BenchmarkAlienUpcall: a plain goroutine creates its own scheduler to hand
// one value to a tasklet elsewhere; op = one upcall. Baseline:
// BenchmarkGoroutineUpcall.
func BenchmarkAlienUpcall(b *testing.B) { bench.AlienUpcall(b) }

// BenchmarkGoroutineUpcall: a fresh goroutine sends one value on a Go channel.
func BenchmarkGoroutineUpcall(b *testing.B) { bench.GoroutineUpcall(b) }

// BenchmarkUpcallFloor: BenchmarkGoroutineUpcall with the receive done on
// an iter.Pull coroutine, resumed once per message: the least a
// coroutine-based receiver (a tasklet) can cost. Baseline:
// BenchmarkGoroutineUpcall.
func BenchmarkUpcallFloor(b *testing.B) { bench.UpcallFloor(b) }

// BenchmarkOutsideUpcall: a fresh goroutine hands one value to a tasklet
// with SendOutside, no scheduler of its own. Baseline:
// BenchmarkGoroutineUpcall.
func BenchmarkOutsideUpcall(b *testing.B) { bench.OutsideUpcall(b) }

// BenchmarkCThreadUpcall: a C library's own thread (pthreads) calls back
// into Go for each message, which SendOutside hands to a tasklet on a
// locked thread; op = one message. Baseline: BenchmarkCThreadGoChannel.
func BenchmarkCThreadUpcall(b *testing.B) { bench.CThreadUpcall(1)(b) }

// BenchmarkCThreadUpcallBatch64 is BenchmarkCThreadUpcall with 64
// messages per callback.
func BenchmarkCThreadUpcallBatch64(b *testing.B) { bench.CThreadUpcall(64)(b) }

// BenchmarkCThreadGoChannel: the same callbacks send on a Go channel.
func BenchmarkCThreadGoChannel(b *testing.B) { bench.CThreadGoChannel(1)(b) }

// BenchmarkCThreadGoChannelBatch64: the baseline with 64 per callback.
func BenchmarkCThreadGoChannelBatch64(b *testing.B) { bench.CThreadGoChannel(64)(b) }

// BenchmarkSelectPingPong: two tasklets ping-pong, each side selecting over
// its receive channel and a quit channel; op = one round trip. Baseline:
// BenchmarkSelectPingPongGoroutines (target: at most 0.8x).
func BenchmarkSelectPingPong(b *testing.B) { bench.SelectPingPong(b) }

// BenchmarkSelectPingPongGoroutines is the baseline of
// BenchmarkSelectPingPong: two goroutines with Go's select.
func BenchmarkSelectPingPongGoroutines(b *testing.B) { bench.SelectPingPongGoroutines(b) }

// BenchmarkReceiveContext: BenchmarkPingPong with ReceiveContext and a
// context that is never cancelled; op = one round trip. Baseline:
// BenchmarkPingPong (target: at most 1.1x).
func BenchmarkReceiveContext(b *testing.B) { bench.ReceiveContext(b) }
