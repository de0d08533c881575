package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"

	"github.com/stackless-go/stackless/internal/bench"
)

func main() {
	n, _ := strconv.Atoi(os.Args[2])
	if len(os.Args) > 3 {
		f, _ := os.Create(os.Args[3])
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if os.Args[1] == "game" {
		fmt.Println(bench.GameFrames(n, 20))
		return
	}
	for _, r := range bench.ScaleRows() {
		if r.Key != os.Args[1] {
			continue
		}
		for i := 0; i < 3; i++ {
			d, err := r.Lib(n)
			fmt.Println(r.Name, n, d, err)
			if r.Base != nil {
				d, err := r.Base(n)
				fmt.Println("   base", n, d, err)
			}
		}
	}
}
