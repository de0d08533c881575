//go:build cgo

// Command upcall delivers messages from a tiny C messaging library
// (internal/cmq: a few dozen lines of C with pthreads) into a tasklet
// through the library's receive callback, an exported Go function,
// as a program built on a C messaging library would. The callbacks come
//
//	(a) on the scheduler's own thread: its main tasklet polls the library,
//	    and each callback buffers the message with channel.Offer (a
//	    callback must not switch tasklets: it runs inside a cgo call);
//	(b) on a thread a Go goroutine locked (runtime.LockOSThread), started
//	    with the scheduler's Go method so that it counts as a waker;
//	(c) on threads the C library started itself with pthreads, which Go
//	    knew nothing about until they called back.
//
// In (b) and (c) each callback sends with channel.SendOutside: no scheduler
// per call; when the buffer is full the calling thread blocks, as the C
// library's thread would in a Go channel send. Messages come one per
// callback or in batches (one callback, one channel item, per batch). Every
// message is checked: received once, in order per C thread.
//
//	go run ./examples/upcall
//	go run ./examples/upcall -messages 4000000 -batch 128
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	messages := flag.Int64("messages", 2_000_000, "messages per measurement")
	batch := flag.Int("batch", 64, "messages per callback in the batched rows (at most 256)")
	threads := flag.Int("threads", 2, "C threads in the alien rows")
	flag.Parse()
	if err := run(os.Stdout, *messages, *batch, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "upcall:", err)
		os.Exit(1)
	}
}

// run measures every row and prints the table.
func run(out io.Writer, messages int64, batch, threads int) error {
	if batch < 2 || batch > maxBatch {
		return fmt.Errorf("batch must be 2..%d", maxBatch)
	}
	if threads < 1 || threads > 64 || messages < int64(threads) {
		return fmt.Errorf("threads must be 1..64 and at most messages")
	}
	fmt.Fprintf(out, "%d messages per row; messages/s (higher is better)\n\n", messages)
	fmt.Fprintf(out, "%-52s %14s %14s\n", "callbacks from", "single", fmt.Sprintf("batch of %d", batch))
	for _, m := range modes {
		var rates [2]float64
		for i, b := range []int{1, batch} {
			st, err := measure(m, messages, b, threads)
			if err != nil {
				return fmt.Errorf("%s, batch %d: %w", m.name, b, err)
			}
			rates[i] = st.rate()
		}
		fmt.Fprintf(out, "%-52s %14.0f %14.0f\n", m.describe(threads), rates[0], rates[1])
	}
	fmt.Fprintf(out, "\nfor comparison (published, another machine): upcalls into Python from a messaging\n"+
		"library's own pthreads about 400000/s; the C library alone about 800000/s\n")
	return nil
}
