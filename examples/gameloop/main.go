// Command gameloop embeds a scheduler in a 60 Hz frame loop, the way a game
// server runs its NPCs, with a watchdog.Frame: every frame steps each
// runnable NPC tasklet at most once, under a 6 ms budget for the whole frame
// and 1 ms slices per tasklet. Hundreds of NPC tasklets sleep, talk over
// channels and compute; one deliberately runaway tasklet overruns its slice
// in every frame it runs, and is killed after three strikes within a second.
// At the end it prints the frame-time percentiles, the overruns, and how
// long the runaway lived from its first overrun to its death.
//
//	go run ./examples/gameloop
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

const (
	frameTime   = time.Second / 60
	frameBudget = 6 * time.Millisecond // the scheduler's share of a frame
	slice       = time.Millisecond     // the most one tasklet may run without switching
	strikes     = 3                    // overruns, within a second, before a tasklet is killed as a runaway
)

func main() {
	frames := flag.Int("frames", 180, "frames to run (60 per second)")
	npcs := flag.Int("npcs", 400, "NPC tasklets")
	flag.Parse()
	if err := run(os.Stdout, *frames, *npcs); err != nil {
		fmt.Fprintln(os.Stderr, "gameloop:", err)
		os.Exit(1)
	}
}

type world struct {
	inbox   []*channel.Channel[int]
	talks   int
	thought int
}

func npc(w *world, id int) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		rng := rand.New(rand.NewPCG(uint64(id), 7))
		for {
			if err := t.Sleep(time.Duration(5+rng.IntN(40)) * time.Millisecond); err != nil {
				return
			}
			for i := 0; i < 200+rng.IntN(800); i++ { // think: a little computation
				w.thought++
				t.Tick()
			}
			to := w.inbox[rng.IntN(len(w.inbox))]
			if to.SendTimeout(t, id, 0) == nil { // talk, if someone listens
				w.talks++
			}
			_, _ = w.inbox[id].ReceiveTimeout(t, 0) // listen, without waiting
		}
	}
}

func run(out io.Writer, frames, npcs int) error {
	s, err := scheduler.New()
	if err != nil {
		return err
	}
	defer s.Close()
	w := &world{}
	for range npcs {
		ch, err := channel.NewBuffered[int](4)
		if err != nil {
			return err
		}
		w.inbox = append(w.inbox, ch)
	}
	for id := range npcs {
		if _, err := s.SpawnNamed(fmt.Sprint("npc-", id), npc(w, id)); err != nil {
			return err
		}
	}
	var died time.Time
	runaway, err := s.SpawnNamed("runaway", func(t *tasklet.Tasklet) {
		defer func() { died = time.Now() }() // its cleanup runs when it is killed
		for {                                // a bug: computes forever and never yields
			t.Tick()
		}
	})
	if err != nil {
		return err
	}

	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{
		Budget: frameBudget, Slice: slice, Strikes: strikes, Window: 60,
	})
	if err != nil {
		return err
	}
	defer f.Close()
	var frameWork []time.Duration
	late, overruns := 0, 0
	var firstOverrun time.Time
	next := time.Now()
	for range frames {
		start := time.Now()
		r, err := f.Run()
		if err != nil {
			return err
		}
		frameWork = append(frameWork, r.Elapsed)
		overruns += len(r.Overran)
		if r.Elapsed > frameBudget {
			late++
		}
		if firstOverrun.IsZero() && slices.Contains(r.Overran, runaway) {
			firstOverrun = start
		}
		for _, k := range r.Killed {
			fmt.Fprintf(out, "frame %d: %v ran past its %v slice %d times: killed it\n", r.Frame, k, slice, strikes)
		}
		next = next.Add(frameTime)
		time.Sleep(time.Until(next)) // the rest of the frame: physics, rendering, network
	}
	if died.IsZero() || runaway.Alive() {
		return fmt.Errorf("the runaway tasklet survived")
	}
	slices.Sort(frameWork)
	pct := func(p float64) time.Duration { return frameWork[int(p*float64(len(frameWork)-1))] }
	st := s.Stats()
	fmt.Fprintf(out, "%d frames, %d NPCs: scheduler time per frame p50 %v, p99 %v, max %v (budget %v)\n",
		frames, npcs, pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		frameWork[len(frameWork)-1].Round(time.Microsecond), frameBudget)
	fmt.Fprintf(out, "frames over budget: %d; slice overruns: %d; runaway: first overrun to death %v\n",
		late, overruns, died.Sub(firstOverrun).Round(time.Microsecond))
	fmt.Fprintf(out, "watchdog interrupts: %d; switches: %d; NPC messages: %d\n",
		st.Interrupts, st.Switches, w.talks)
	return nil
}
