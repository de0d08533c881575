package scheduler_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkSchedule: two tasklets calling Schedule in turn; op = one
// Schedule call. Baseline: BenchmarkPullRoundTrip.
func BenchmarkSchedule(b *testing.B) { bench.Schedule(b) }

// BenchmarkPullRoundTrip is the floor for a switch: one iter.Pull round trip.
func BenchmarkPullRoundTrip(b *testing.B) { bench.PullRoundTrip(b) }

// BenchmarkSpawn: spawn an empty tasklet and run it to its end; op = one
// tasklet. Baseline: BenchmarkGoWaitGroup.
func BenchmarkSpawn(b *testing.B) { bench.Spawn(b) }

// BenchmarkGoWaitGroup is BenchmarkSpawn's baseline: go f() plus a
// WaitGroup wait.
func BenchmarkGoWaitGroup(b *testing.B) { bench.GoWaitGroup(b) }

// BenchmarkParkedTasklet: 100k tasklets paused at once; reports B/tasklet.
// Baseline: BenchmarkParkedPull.
func BenchmarkParkedTasklet(b *testing.B) { bench.ParkedTasklet(b) }

// BenchmarkParkedPull: 100k iter.Pull coroutines suspended at a yield.
func BenchmarkParkedPull(b *testing.B) { bench.ParkedPull(b) }

// BenchmarkScale measures how the per-tasklet costs grow with the number of
// tasklets (the README's "How costs grow" table), each beside its baseline
// (sub-benchmark "go"); it reports ns/tasklet. It runs 1k and 10k tasklets;
// with STACKLESS_SCALE=1 also 100k and 1M (minutes, several GB). The table
// itself: go run ./examples/benchmark -scale.
func BenchmarkScale(b *testing.B) {
	sizes := []int{1_000, 10_000}
	if os.Getenv("STACKLESS_SCALE") != "" {
		sizes = bench.ScaleSizes
	}
	for _, r := range bench.ScaleRows() {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/%d", r.Key, n), bench.ScaleBench(r.Lib, n))
			if r.Base != nil {
				b.Run(fmt.Sprintf("%s/%d/go", r.Key, n), bench.ScaleBench(r.Base, n))
			}
		}
	}
}

// BenchmarkColdSpawnPark: b.N tasklets spawned cold that park on one
// channel (SpawnParkScale at n = b.N); with BenchmarkColdPullCreate and
// BenchmarkColdFloor, its baselines, for instruction counts per tasklet.
func BenchmarkColdSpawnPark(b *testing.B) { bench.ColdBench(bench.SpawnParkScale)(b) }

// BenchmarkColdPullCreate: b.N cold iter.Pull coroutines resumed once.
func BenchmarkColdPullCreate(b *testing.B) { bench.ColdBench(bench.PullCreateScale)(b) }

// BenchmarkColdFloor: SpawnParkFloor at n = b.N.
func BenchmarkColdFloor(b *testing.B) { bench.ColdBench(bench.SpawnParkFloor)(b) }

// BenchmarkGameIdiom: 20,000 entity tasklets each do a little work and
// Sleep(16 ms) until the next frame, under Run(ThreadBlock()), for 30
// frames; reports the mean frame overrun as overrun-ms and the CPU time per
// entity-frame as cpu-ns/entity-frame. Baseline: BenchmarkGameFloor.
func BenchmarkGameIdiom(b *testing.B) { bench.GameBench(bench.GameFrames, 20_000, 30)(b) }

// BenchmarkGameFloor is BenchmarkGameIdiom's floor: the same entities and
// work on bare iter.Pull coroutines, driven through a FIFO of deadlines with
// no scheduler at all.
func BenchmarkGameFloor(b *testing.B) { bench.GameBench(bench.GameFloor, 20_000, 30)(b) }

// BenchmarkLockedPingPong: ping-pong between schedulers on two locked OS
// threads. Baseline: BenchmarkLockedPingPongGoroutines.
func BenchmarkLockedPingPong(b *testing.B) { bench.LockedPingPong(b) }

// BenchmarkLockedPingPongGoroutines: Go channels between two locked
// goroutines.
func BenchmarkLockedPingPongGoroutines(b *testing.B) { bench.LockedPingPongGoroutines(b) }

// BenchmarkLockedConditionProdCon: Condition producer/consumer between
// schedulers on two locked OS threads. Baseline:
// BenchmarkLockedSyncCondProdCon.
func BenchmarkLockedConditionProdCon(b *testing.B) { bench.LockedConditionProdCon(b) }

// BenchmarkLockedSyncCondProdCon: sync.Cond between two locked goroutines.
func BenchmarkLockedSyncCondProdCon(b *testing.B) { bench.LockedSyncCondProdCon(b) }

// BenchmarkContention: seed-style producer/consumer pairs on two locked
// threads, with a Condition or a Lock, alone or with a CPU-bound tasklet
// per thread; reports tx/s. Baselines: the "go" sub-benchmarks.
func BenchmarkContention(b *testing.B) {
	for _, cond := range []bool{true, false} {
		for _, busy := range []bool{false, true} {
			name := fmt.Sprintf("cond=%v/busy=%v", cond, busy)
			b.Run(name+"/lib", bench.Contention(cond, busy))
			b.Run(name+"/go", bench.ContentionGoroutines(cond, busy))
		}
	}
}
