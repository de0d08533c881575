// Command teardown builds a small service as a tree of tasklets, an acceptor
// that takes in jobs, workers that serve them through a cache guarded by a
// lock, and a collector of results, and then tears it down the way services
// are torn down with stackless: the root kills its children. Every deferred
// cleanup runs, no lock stays held, and nothing accepted is lost: each job is
// either served or handed back by the worker that was killed holding it.
//
//	go run ./examples/teardown
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func main() {
	jobs := flag.Int("jobs", 500, "jobs to serve before the teardown")
	flag.Parse()
	if err := run(os.Stdout, *jobs); err != nil {
		fmt.Fprintln(os.Stderr, "teardown:", err)
		os.Exit(1)
	}
}

// service is the shared state of the tree.
type service struct {
	log      func(format string, args ...any)
	jobs     *channel.Channel[int]
	results  *channel.Channel[int]
	cacheMu  locks.Lock
	cache    map[int]int
	accepted int
	served   int
	handed   []int // jobs handed back by killed workers
}

func (sv *service) acceptor(t *tasklet.Tasklet) {
	defer func() { sv.log("acceptor: stopped taking jobs after %d", sv.accepted) }()
	for id := 1; ; id++ {
		if err := sv.jobs.Send(t, id); err != nil {
			return
		}
		sv.accepted++
	}
}

func (sv *service) worker(name string) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		held := 0 // the job in hand, if any
		defer func() {
			if held != 0 {
				sv.handed = append(sv.handed, held)
				sv.log("%s: killed holding job %d: handed back", name, held)
			} else {
				sv.log("%s: cleaned up", name)
			}
		}()
		for {
			id, err := sv.jobs.Receive(t)
			if err != nil {
				return
			}
			held = id
			if err := sv.cacheMu.Acquire(t); err != nil {
				return
			}
			func() {
				defer sv.cacheMu.Release(t) // released even when killed inside
				sv.cache[id%16]++
				_ = t.Sleep(200 * time.Microsecond) // a slow lookup, lock held
			}()
			if err := sv.results.Send(t, id); err != nil {
				return
			}
			held = 0
		}
	}
}

func (sv *service) collector(t *tasklet.Tasklet) {
	defer func() { sv.log("collector: %d results in", sv.served) }()
	for {
		if _, err := sv.results.Receive(t); err != nil {
			return
		}
		sv.served++
	}
}

func run(out io.Writer, jobs int) error {
	s, err := scheduler.New()
	if err != nil {
		return err
	}
	defer s.Close()
	var order []string
	sv := &service{
		log:     func(format string, args ...any) { order = append(order, fmt.Sprintf(format, args...)) },
		jobs:    channel.New[int](),
		results: channel.New[int](),
		cache:   map[int]int{},
	}
	shutdown := channel.New[bool]()
	root, err := s.SpawnNamed("root", func(t *tasklet.Tasklet) {
		defer sv.log("root: service down")
		var children []*tasklet.Tasklet
		spawn := func(name string, fn func(*tasklet.Tasklet)) {
			c, err := s.SpawnNamed(name, fn)
			if err == nil {
				children = append(children, c)
			}
		}
		spawn("acceptor", sv.acceptor)
		for i := 1; i <= 3; i++ {
			spawn(fmt.Sprint("worker-", i), sv.worker(fmt.Sprint("worker-", i)))
		}
		spawn("collector", sv.collector)
		_, _ = shutdown.Receive(t)
		sv.log("root: shutting down %d children", len(children))
		for _, c := range children { // intake first, then workers, then results
			_ = t.KillNow(c)
		}
	})
	if err != nil {
		return err
	}
	for sv.served < jobs {
		if err := s.Main().Sleep(time.Millisecond); err != nil {
			return err
		}
	}
	if err := shutdown.Send(s.Main(), true); err != nil {
		return err
	}
	if _, err := s.Run(); err != nil {
		return err
	}
	fmt.Fprintln(out, "teardown order:")
	for _, line := range order {
		fmt.Fprintln(out, "  "+line)
	}
	lost := sv.accepted - sv.served - len(sv.handed)
	fmt.Fprintf(out, "accepted %d jobs: %d served, %d handed back, %d lost; cache lock held: %v; root alive: %v\n",
		sv.accepted, sv.served, len(sv.handed), lost, sv.cacheMu.Locked(), root.Alive())
	if lost != 0 || sv.cacheMu.Locked() || s.Len() != 0 {
		return fmt.Errorf("unclean teardown: %d lost, lock held %v, %d tasklets left", lost, sv.cacheMu.Locked(), s.Len())
	}
	return nil
}
