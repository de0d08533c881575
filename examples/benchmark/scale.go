package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stackless-go/stackless/internal/bench"
)

// gameEntities and gameFrames size the game idiom printed with -scale.
const (
	gameEntities = 20_000
	gameFrames   = 30
)

// scaleTable measures every row of the "How costs grow" table at the given
// sizes (each figure the better of two rounds) and writes it as Markdown:
// CPU ns per tasklet at each size; how the
// per-tasklet cost at each larger size compares with the smallest (the
// growth, 1.00x when flat); the baseline at each size; and the library
// against its baseline at each size.
func scaleTable(w, progress io.Writer, sizes []int, gameEntities, gameFrames int) error {
	head := []string{"operation (CPU ns per tasklet)"}
	for _, n := range sizes {
		head = append(head, sizeName(n))
	}
	for _, n := range sizes[1:] {
		head = append(head, sizeName(n)+"/"+sizeName(sizes[0]))
	}
	head = append(head, "baseline")
	for _, n := range sizes {
		head = append(head, sizeName(n))
	}
	for _, n := range sizes {
		head = append(head, "ratio "+sizeName(n))
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
	for _, r := range bench.ScaleRows() {
		var lib, base []time.Duration
		for _, n := range sizes {
			fmt.Fprintf(progress, "measuring %s at %d...\n", strings.TrimSpace(r.Name), n)
			d, err := bestOf2(r.Lib, n)
			if err != nil {
				return fmt.Errorf("%s at %d: %w", r.Name, n, err)
			}
			lib = append(lib, d)
			if r.Base != nil {
				bd, err := bestOf2(r.Base, n)
				if err != nil {
					return err
				}
				base = append(base, bd)
			}
		}
		cells := []string{r.Name}
		for _, d := range lib {
			cells = append(cells, fmtNs(d))
		}
		for _, d := range lib[1:] {
			cells = append(cells, fmt.Sprintf("%.2fx", float64(d)/float64(max(lib[0], 1))))
		}
		if r.Base == nil {
			cells = append(cells, "-")
			for range 2 * len(sizes) {
				cells = append(cells, "-")
			}
		} else {
			cells = append(cells, r.Baseline)
			for _, d := range base {
				cells = append(cells, fmtNs(d))
			}
			for i, d := range base {
				cells = append(cells, fmt.Sprintf("%.2fx", float64(lib[i])/float64(max(d, 1))))
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	if n, wall := bench.LastCloseWall(); n > 0 {
		fmt.Fprintf(w, "\nClose of %d parked tasklets: %.2f s wall time, every deferred cleanup ran.\n", n, wall.Seconds())
	}
	fmt.Fprintf(progress, "measuring the game idiom...\n")
	lib, err := bench.GameFrames(gameEntities, gameFrames)
	if err != nil {
		return err
	}
	floor, err := bench.GameFloor(gameEntities, gameFrames)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nGame idiom floor, bare iter.Pull coroutines and a FIFO of deadlines, %d entities, %d frames: %d CPU ns per entity-frame, mean frame overrun %.2f ms\n",
		gameEntities, gameFrames, floor.CPU.Nanoseconds(), float64(floor.Overrun)/float64(time.Millisecond))
	fmt.Fprintf(w, "Game idiom, %d entities (a little work, then Sleep(16 ms); Run(ThreadBlock())), %d frames: %d CPU ns per entity-frame (%.2fx the floor), mean frame overrun %.2f ms\n",
		gameEntities, gameFrames, lib.CPU.Nanoseconds(), float64(lib.CPU)/float64(max(floor.CPU, 1)), float64(lib.Overrun)/float64(time.Millisecond))
	return nil
}

// bestOf2 measures twice and keeps the lower figure: the first round at a
// size also pays for growing the heap and the runtime's free lists.
func bestOf2(f func(int) (time.Duration, error), n int) (time.Duration, error) {
	a, err := f(n)
	if err != nil {
		return 0, err
	}
	b, err := f(n)
	if err != nil {
		return 0, err
	}
	return min(a, b), nil
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}

func fmtNs(d time.Duration) string { return fmt.Sprintf("%d", d.Nanoseconds()) }
