// Package channel provides Stackless channels: typed rendezvous points
// through which tasklets hand each other values, and the way most tasklets
// block.
//
// A send and a receive meet: whichever comes first blocks until its partner
// arrives. The channel's preference then decides who runs next: with the
// default preference (-1, receiver first) a sender that finds a waiting
// receiver switches to it at once, and the sender continues after every other
// runnable tasklet; with 0 the caller continues and the partner is queued;
// with +1 a receiver that finds a waiting sender switches to it. Partners on
// different schedulers never switch: the partner is queued on its own
// scheduler and the caller continues.
//
// Compared with a Go channel: values are handed over without a trip through
// the Go scheduler (a ping-pong round trip costs about what two goroutines'
// does, a buffered stream about 0.6x), who runs next is determined, a sender can send an error for the receiver to return,
// and closing wakes blocked receivers with ErrClosed while senders already
// waiting are still received from.
//
// # Waiting on several things: Select
//
// Select is Go's select statement for tasklets. Its cases are typed: Recv
// and Send (a RecvCase's Value is the value received, of the channel's
// type), Timeout, Done (a context) and Default. Its semantics, which the
// tests check ordering by ordering:
//
//  1. Deterministic choice: when several cases are ready, the first ready
//     one in argument order wins (Go chooses at random, which would make a
//     Stackless program's order depend on chance). A Default case is chosen
//     only when no other case is ready, wherever it stands.
//  2. A channel case completes exactly as that channel's Send or Receive
//     would: the completing channel's preference (and schedule-all) decides
//     who runs next, the channel callback sees the operation, an error sent
//     with SendError is the select's error, a receive from a closing
//     channel with nothing left is ready with ErrClosed. With block_trap
//     set, a select that would block fails with tasklet.ErrWouldBlock.
//  3. A blocked select waits in the queue of every channel case at once
//     (one node per case, all pointing to one shared record). Balance and
//     Queue of each of those channels count and list the selecting tasklet.
//     The first partner to take one of its nodes completes the select; the
//     select is withdrawn from every other queue before it runs again, also
//     when the partners are on other schedulers: no value is taken twice or
//     lost. A partner that finds a node of an already completed select
//     skips it (it does not count as a partner).
//  4. A kill, a throw, a Timeout or Done case, the deadlock report and the
//     scheduler's Close cut the wait and take the tasklet out of every
//     queue (Balance is back where it was). Close of one of the channels
//     completes a receive case with ErrClosed; a send case stays queued, as
//     a blocked Send does. A case that completed is never undone: a kill or
//     throw arriving after a partner took the select goes off at the
//     tasklet's next switch point (SPEC section 2). A deadlock report names
//     every channel the select waits on.
//  5. A Done case, SendContext and ReceiveContext may be ended by a
//     cancellation from any goroutine: it wakes the tasklet on its own
//     scheduler with ctx.Err() (context.Cause gives the cause). A context
//     that can never be cancelled (ctx.Done() == nil, as
//     context.Background()) costs nothing. While a tasklet waits on a
//     context that can be cancelled, its scheduler does not report a
//     deadlock.
//
// # Timed waits
//
// Every timed wait of the module follows one rule (see tasklet.ErrTimeout):
// d < 0 waits forever, d == 0 does not wait, d > 0 waits up to d on the
// scheduler's clock, and running out returns an error matching
// tasklet.ErrTimeout with zero other results. In a Select, a Timeout case
// that fires is chosen and its error is tasklet.ErrTimeout.
package channel
