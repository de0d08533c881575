// Command gameloop embeds a scheduler in a 60 Hz frame loop, the way a game
// server runs its NPCs: every frame gives the scheduler a time budget, cut
// into 1 ms slices. Hundreds of NPC tasklets sleep, talk over channels and
// compute; one deliberately runaway tasklet is interrupted at every slice,
// reported, and killed after three strikes. At the end it prints frame-time
// statistics and how many frames overran.
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
)

const (
	frameTime   = time.Second / 60
	frameBudget = 6 * time.Millisecond // the scheduler's share of a frame
	slice       = time.Millisecond     // the most one tasklet may run without switching
	strikes     = 3                    // interrupts before a tasklet is killed as a runaway
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
	runawayDone := false
	runaway, err := s.SpawnNamed("runaway", func(t *tasklet.Tasklet) {
		defer func() { runawayDone = true }()
		for { // a bug: computes forever and never yields
			t.Tick()
		}
	})
	if err != nil {
		return err
	}

	strikesOf := map[*tasklet.Tasklet]int{}
	var frameWork []time.Duration
	overran := 0
	next := time.Now()
	for f := 0; f < frames; f++ {
		start := time.Now()
		for time.Since(start) < frameBudget {
			victim, err := s.Run(scheduler.TimeBudget(slice))
			if err != nil {
				return err
			}
			if victim == nil {
				break // nothing runnable until a timer fires
			}
			strikesOf[victim]++
			if strikesOf[victim] < strikes {
				if err := victim.Insert(); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(out, "frame %d: %v ran past its %v slice %d times: killing it\n", f, victim, slice, strikes)
			if err := s.Main().KillNow(victim); err != nil {
				return err
			}
		}
		work := time.Since(start)
		frameWork = append(frameWork, work)
		if work > frameTime {
			overran++
		}
		next = next.Add(frameTime)
		time.Sleep(time.Until(next)) // the rest of the frame: physics, rendering, network
	}
	if !runawayDone || runaway.Alive() {
		return fmt.Errorf("the runaway tasklet survived")
	}
	slices.Sort(frameWork)
	pct := func(p float64) time.Duration { return frameWork[int(p*float64(len(frameWork)-1))] }
	st := s.Stats()
	fmt.Fprintf(out, "%d frames, %d NPCs: scheduler time per frame p50 %v, p99 %v, max %v (budget %v)\n",
		frames, npcs, pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		frameWork[len(frameWork)-1].Round(time.Microsecond), frameBudget)
	fmt.Fprintf(out, "frames over %v: %d; watchdog interrupts: %d; switches: %d; NPC messages: %d\n",
		frameTime.Round(100*time.Microsecond), overran, st.Interrupts, st.Switches, w.talks)
	return nil
}
