// Command producer_consumer is the first demo of stackless: producers and
// consumers hand items over channels, and the channel's preference decides
// who runs next.
//
//	go run ./examples/producer_consumer
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func main() {
	items := flag.Int("items", 1_000_000, "items to move in the throughput part")
	flag.Parse()
	if err := run(os.Stdout, *items); err != nil {
		fmt.Fprintln(os.Stderr, "producer_consumer:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, items int) error {
	fmt.Fprintln(w, "== Who runs next: the channel's preference ==")
	for _, p := range []struct {
		pref int
		what string
	}{
		{-1, "receiver first (default): each send switches to the consumer"},
		{0, "neither: the producer keeps running, the consumer is queued"},
		{1, "sender first: a consumer taking from a waiting producer switches back to it"},
	} {
		trace, err := preferenceTrace(p.pref)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "preference %+d, %s:\n    %s\n", p.pref, p.what, strings.Join(trace, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== Throughput: 4 producers, 4 consumers, one channel ==")
	return throughput(w, items)
}

// preferenceTrace runs one producer sending 3 items to one consumer and
// returns the order in which things happened.
func preferenceTrace(pref int) ([]string, error) {
	s, err := scheduler.New()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	ch := channel.New[int]()
	if err := ch.SetPreference(pref); err != nil {
		return nil, err
	}
	var trace []string
	if _, err := s.SpawnNamed("consumer", func(t *tasklet.Tasklet) {
		for v := range ch.All(t) {
			trace = append(trace, fmt.Sprintf("got %d", v))
		}
	}); err != nil {
		return nil, err
	}
	if _, err := s.SpawnNamed("producer", func(t *tasklet.Tasklet) {
		for i := 1; i <= 3; i++ {
			trace = append(trace, fmt.Sprintf("send %d", i))
			if err := ch.Send(t, i); err != nil {
				return
			}
		}
		trace = append(trace, "close")
		_ = ch.Close(t)
	}); err != nil {
		return nil, err
	}
	_, err = s.Run()
	return trace, err
}

func throughput(w io.Writer, items int) error {
	s, err := scheduler.New()
	if err != nil {
		return err
	}
	defer s.Close()
	ch := channel.New[int]()
	const producers, consumers = 4, 4
	received := make([]int, consumers)
	var sum int64
	for p := range producers {
		if _, err := s.SpawnNamed(fmt.Sprint("producer-", p), func(t *tasklet.Tasklet) {
			for i := p; i < items; i += producers {
				if err := ch.Send(t, i); err != nil {
					return
				}
			}
		}); err != nil {
			return err
		}
	}
	for c := range consumers {
		if _, err := s.SpawnNamed(fmt.Sprint("consumer-", c), func(t *tasklet.Tasklet) {
			for v := range ch.All(t) {
				received[c]++
				sum += int64(v)
			}
		}); err != nil {
			return err
		}
	}
	start := time.Now()
	before := s.Switches()
	if _, err := s.Run(); err != nil { // runs until the producers are done and the consumers wait
		return err
	}
	elapsed := time.Since(start)
	switches := s.Switches() - before
	if err := ch.Close(s.Main()); err != nil { // wakes the consumers: their ranges end
		return err
	}
	if _, err := s.Run(); err != nil {
		return err
	}
	total := 0
	for c, n := range received {
		fmt.Fprintf(w, "consumer-%d received %d items\n", c, n)
		total += n
	}
	want := int64(items) * int64(items-1) / 2
	if total != items || sum != want {
		return fmt.Errorf("lost items: received %d of %d, sum %d want %d", total, items, sum, want)
	}
	fmt.Fprintf(w, "summary: %d items moved, %d switches, %v (%.0f ns/item), nothing lost\n",
		total, switches, elapsed.Round(time.Millisecond), float64(elapsed.Nanoseconds())/float64(max(total, 1)))
	return nil
}
