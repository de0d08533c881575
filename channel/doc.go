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
package channel
