package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stackless-go/stackless/internal/bench"
)

// GameEntities and GameFrameCount size the game idiom printed with -scale.
const (
	gameEntities = 20_000
	gameFrames   = 30
)

// scaleTable measures every row of the "How costs grow" table at the given
// sizes and writes it as Markdown: ns per tasklet at each size, and the
// baseline at each size in brackets. The ratio columns compare each size
// with the smallest one (how the per-tasklet cost grows) and the library
// with its baseline at the largest size.
func scaleTable(w, progress io.Writer, sizes []int) error {
	head := []string{"operation"}
	for _, n := range sizes {
		head = append(head, sizeName(n))
	}
	head = append(head, "growth "+sizeName(sizes[len(sizes)-1])+"/"+sizeName(sizes[0]), "baseline")
	for _, n := range sizes {
		head = append(head, sizeName(n))
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
	for _, r := range bench.ScaleRows() {
		cells := []string{r.Name}
		var first, last time.Duration
		var base []string
		for i, n := range sizes {
			fmt.Fprintf(progress, "measuring %s at %d...\n", strings.TrimSpace(r.Name), n)
			d, err := r.Lib(n)
			if err != nil {
				return fmt.Errorf("%s at %d: %w", r.Name, n, err)
			}
			if i == 0 {
				first = d
			}
			last = d
			cells = append(cells, fmtNs(d))
			if r.Base != nil {
				bd, err := r.Base(n)
				if err != nil {
					return err
				}
				base = append(base, fmtNs(bd))
			} else {
				base = append(base, "-")
			}
		}
		cells = append(cells, fmt.Sprintf("%.2fx", float64(last)/float64(max(first, 1))))
		if r.Baseline == "" {
			cells = append(cells, "-")
		} else {
			cells = append(cells, r.Baseline)
		}
		cells = append(cells, base...)
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(progress, "measuring the game idiom...\n")
	over, cpu, err := bench.GameFrames(gameEntities, gameFrames)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nGame idiom, %d entities (a little work, then Sleep(16 ms); Run(ThreadBlock())), %d frames: "+
		"mean frame overrun %.2f ms; CPU %d ns per entity and frame (%.1f ms of each 16 ms frame)\n",
		gameEntities, gameFrames, float64(over)/float64(time.Millisecond), cpu.Nanoseconds(),
		float64(cpu*gameEntities)/float64(time.Millisecond))
	return nil
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
