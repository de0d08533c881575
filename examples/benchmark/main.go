// Command benchmark measures each library operation beside its baseline, in
// one process, and prints a table of ratios: figures from different runs or
// machines are never compared.
//
//	go run ./examples/benchmark          # about two minutes
//	go run ./examples/benchmark -quick   # under 30 s
//	go run ./examples/benchmark -json    # machine-readable
//	go run ./examples/benchmark -scale   # how costs grow, 1k to 1M tasklets (a few minutes, ~5 GB)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/stackless-go/stackless/internal/bench"
)

// row is one line of the table.
type row struct {
	Name            string  `json:"name"`
	NsPerOp         float64 `json:"ns_per_op"`
	Baseline        string  `json:"baseline"`
	BaselineNsPerOp float64 `json:"baseline_ns_per_op"`
	Ratio           float64 `json:"ratio"`
	Unit            string  `json:"unit"`
	Metric          string  `json:"metric,omitempty"`
	Note            string  `json:"note,omitempty"`
	// CPU time of the whole process per op, for the thread rows: spinning
	// instead of sleeping shows here.
	CPUNsPerOp         float64 `json:"cpu_ns_per_op,omitempty"`
	BaselineCPUNsPerOp float64 `json:"baseline_cpu_ns_per_op,omitempty"`
	// Transactions per second, for the contention rows.
	TxPerSec         float64 `json:"tx_per_sec,omitempty"`
	BaselineTxPerSec float64 `json:"baseline_tx_per_sec,omitempty"`
}

// pair is a library benchmark and its baseline; metric, when set, compares
// a reported metric instead of ns/op.
type pair struct {
	name, baseline string
	lib, base      func(*testing.B)
	metric         string
	quickN         int // fixed iteration count in -quick mode (0: -benchtime)
}

func pairs() []pair {
	ps := []pair{
		{name: "switch (Schedule)", baseline: "iter.Pull round trip", lib: bench.Schedule, base: bench.PullRoundTrip},
		{name: "spawn + run to end", baseline: "go f() + WaitGroup", lib: bench.Spawn, base: bench.GoWaitGroup},
		{name: "bytes per parked tasklet", baseline: "parked iter.Pull coroutine", lib: bench.ParkedTasklet, base: bench.ParkedPull, metric: "B/tasklet", quickN: 1},
		{name: "Tick", baseline: "sync.Mutex Lock+Unlock", lib: bench.Tick, base: bench.MutexLockUnlock},
		{name: "channel ping-pong (round trip)", baseline: "goroutines, Go channels", lib: bench.PingPong, base: bench.PingPongGoroutines},
		{name: "buffered stream (1024)", baseline: "Go buffered channel", lib: bench.Buffered, base: bench.BufferedGoroutines},
		{name: "select ping-pong (round trip)", baseline: "goroutines, Go select", lib: bench.SelectPingPong, base: bench.SelectPingPongGoroutines},
		{name: "ReceiveContext ping-pong (Background)", baseline: "channel ping-pong (Receive)", lib: bench.ReceiveContext, base: bench.PingPong},
		{name: "cross-scheduler ping-pong", baseline: "goroutines, Go channels", lib: bench.CrossPingPong, base: bench.PingPongGoroutines},
		{name: "cross-scheduler stream (upcalls)", baseline: "Go buffered channel", lib: bench.CrossStream, base: bench.BufferedGoroutines},
		{name: "alien upcall (own scheduler)", baseline: "fresh goroutine, Go channel", lib: bench.AlienUpcall, base: bench.GoroutineUpcall},
	}
	ps = append(ps, threadPairs()...)
	ps = append(ps, lockPairs()...)
	for _, n := range []int{1, 4, 16} {
		ps = append(ps, pair{
			name: fmt.Sprintf("wake latency p99, %d CPU-bound", n), baseline: "1 ms slice",
			lib: bench.WakeLatency(n), metric: fmt.Sprintf("p99-N%d-ms", n), quickN: 300,
		})
	}
	return ps
}

func main() {
	quick := flag.Bool("quick", false, "short runs (under 30 s in all)")
	asJSON := flag.Bool("json", false, "print a JSON array instead of a table")
	only := flag.String("only", "", "run only the rows whose name contains this")
	scale := flag.Bool("scale", false, "print the \"How costs grow\" table instead (1k to 1M tasklets)")
	maxN := flag.Int("scale-max", 1_000_000, "with -scale, the largest tasklet count")
	flag.Parse()
	if *scale {
		var sizes []int
		for _, n := range bench.ScaleSizes {
			if n <= *maxN {
				sizes = append(sizes, n)
			}
		}
		if len(sizes) == 0 {
			fmt.Fprintln(os.Stderr, "benchmark: -scale-max below the smallest size")
			os.Exit(2)
		}
		if err := scaleTable(os.Stdout, os.Stderr, sizes, gameEntities, gameFrames); err != nil {
			fmt.Fprintln(os.Stderr, "benchmark:", err)
			os.Exit(1)
		}
		return
	}
	rows, err := measure(*quick, *only, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
	if *asJSON {
		err = writeJSON(os.Stdout, rows)
	} else {
		err = printTable(os.Stdout, rows)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
}

func measure(quick bool, only string, progress io.Writer) ([]row, error) {
	testing.Init()
	benchtime := "1s"
	if quick {
		benchtime = "150ms"
	}
	if err := flag.Set("test.benchtime", benchtime); err != nil {
		return nil, err
	}
	var rows []row
	for _, p := range pairs() {
		if only != "" && !strings.Contains(p.name, only) {
			continue
		}
		fmt.Fprintf(progress, "measuring %s...\n", p.name)
		lib := run(p.lib, quick, p.quickN)
		r := row{Name: p.name, Baseline: p.baseline, NsPerOp: float64(lib.NsPerOp()), Unit: "ns/op"}
		switch {
		case p.base == nil: // a metric against a fixed target
			r.Metric, r.Unit = p.metric, "ms"
			r.NsPerOp = lib.Extra[p.metric]
			r.BaselineNsPerOp = 1
			r.Ratio = r.NsPerOp
			r.Note = "baseline is the slice: ratio = p99 / 1 ms"
		case p.metric != "":
			base := run(p.base, quick, p.quickN)
			r.Metric, r.Unit = p.metric, p.metric
			r.NsPerOp, r.BaselineNsPerOp = lib.Extra[p.metric], base.Extra[p.metric]
			r.Ratio = r.NsPerOp / r.BaselineNsPerOp
		default:
			base := run(p.base, quick, p.quickN)
			r.NsPerOp = float64(lib.T.Nanoseconds()) / float64(max(lib.N, 1))
			r.BaselineNsPerOp = float64(base.T.Nanoseconds()) / float64(max(base.N, 1))
			r.Ratio = r.NsPerOp / r.BaselineNsPerOp
			r.CPUNsPerOp, r.BaselineCPUNsPerOp = lib.Extra[bench.CPUPerOp], base.Extra[bench.CPUPerOp]
			if tx, ok := lib.Extra[bench.TxPerSec]; ok {
				r.TxPerSec, r.BaselineTxPerSec = tx, base.Extra[bench.TxPerSec]
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// run runs one benchmark body, for a fixed count when quick asks for one.
func run(f func(*testing.B), quick bool, quickN int) testing.BenchmarkResult {
	if quick && quickN > 0 {
		return testing.Benchmark(func(b *testing.B) {
			if b.N > quickN { // testing.Benchmark grows b.N; cap it
				b.N = quickN
			}
			f(b)
		})
	}
	return testing.Benchmark(f)
}

func writeJSON(w io.Writer, rows []row) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func printTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tlibrary\tbaseline\tbaseline\tratio\tCPU/op (library / baseline)\ttx/s (library / baseline)\t")
	for _, r := range rows {
		cpu, tx := "-", "-"
		if r.CPUNsPerOp > 0 {
			cpu = fmt.Sprintf("%.1f / %.1f ns", r.CPUNsPerOp, r.BaselineCPUNsPerOp)
		}
		if r.TxPerSec > 0 {
			tx = fmt.Sprintf("%.0f / %.0f", r.TxPerSec, r.BaselineTxPerSec)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2fx\t%s\t%s\t\n", r.Name, fmtValue(r.NsPerOp, r.Unit), r.Baseline, fmtValue(r.BaselineNsPerOp, r.Unit), r.Ratio, cpu, tx)
	}
	return tw.Flush()
}

func fmtValue(v float64, unit string) string {
	switch unit {
	case "ns/op":
		return fmt.Sprintf("%.1f ns/op", v)
	case "ms":
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}
