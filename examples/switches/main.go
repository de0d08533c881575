// Command switches makes two tasklets call Schedule in turn, a million
// switches by default, and prints how long that took. Run it under strace to
// see that a switch never goes through the Go scheduler or the kernel:
//
//	go build -o /tmp/switches ./examples/switches
//	strace -f -c -e trace=futex /tmp/switches
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func main() {
	n := flag.Int("n", 1_000_000, "switches")
	flag.Parse()
	if err := run(os.Stdout, *n); err != nil {
		fmt.Fprintln(os.Stderr, "switches:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, n int) error {
	s, err := scheduler.New()
	if err != nil {
		return err
	}
	defer s.Close()
	body := func(t *tasklet.Tasklet) {
		for i := 0; i < n/2; i++ {
			if t.Schedule() != nil {
				return
			}
		}
	}
	for range 2 {
		if _, err := s.Spawn(body); err != nil {
			return err
		}
	}
	start := time.Now()
	if _, err := s.Run(); err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "%d switches in %v (%.1f ns/switch)\n", s.Switches(), elapsed.Round(time.Millisecond),
		float64(elapsed.Nanoseconds())/float64(max(s.Switches(), 1)))
	return nil
}
