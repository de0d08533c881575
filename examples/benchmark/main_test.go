package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The full -quick run takes about 30 s; the smoke test measures two cheap
// rows and checks the JSON a user would get.
func TestQuickJSON(t *testing.T) {
	defer goleak.VerifyNone(t)
	rows, err := measure(true, "Tick", io.Discard)
	require.NoError(t, err)
	more, err := measure(true, "switch", io.Discard)
	require.NoError(t, err)
	rows = append(rows, more...)
	require.Len(t, rows, 2)
	var out strings.Builder
	require.NoError(t, writeJSON(&out, rows))
	var decoded []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out.String()), &decoded))
	for _, r := range decoded {
		for _, k := range []string{"name", "ns_per_op", "baseline", "baseline_ns_per_op", "ratio"} {
			assert.Contains(t, r, k)
		}
		assert.Positive(t, r["ratio"])
	}
	var table strings.Builder
	require.NoError(t, printTable(&table, rows))
	assert.Contains(t, table.String(), "sync.Mutex Lock+Unlock")
}

func TestEveryOperationListed(t *testing.T) {
	defer goleak.VerifyNone(t)
	var names []string
	for _, p := range pairs() {
		names = append(names, p.name)
	}
	all := strings.Join(names, "\n")
	for _, want := range []string{"switch", "spawn", "parked", "ping-pong", "buffered stream", "cross-scheduler stream",
		"cross-scheduler ping-pong", "lock", "Condition producer/consumer", "Condition producer/consumer, cross-scheduler",
		"locked-thread ping-pong", "Condition producer/consumer, locked threads", "goroutine upcall", "goroutine upcall floor",
		"contention: Condition pair, locked threads", "contention: Lock (polled) pair, locked threads, CPU-bound tasklet per thread",
		"wake latency p99, 1 ", "wake latency p99, 4 ", "wake latency p99, 16 "} {
		assert.Contains(t, all, want)
	}
}

// The -scale table at toy sizes: every row measured, the growth and the
// baseline columns filled in, and the game idiom's line.
func TestScaleTableSmoke(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out strings.Builder
	require.NoError(t, scaleTable(&out, io.Discard, []int{100, 300}, 200, 3))
	table := out.String()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	require.GreaterOrEqual(t, len(lines), 2+5+2)
	assert.Contains(t, lines[0], "| 100 | 300 | 300/100 | baseline | 100 | 300 | ratio 100 | ratio 300 |")
	for _, want := range []string{"spawn a tasklet", "iter.Pull create", "the floor", "Close with n tasklets", "n sleepers", "ReceiveTimeout"} {
		assert.Contains(t, table, want)
	}
	assert.Contains(t, lines[len(lines)-2], "Game idiom floor, bare iter.Pull coroutines")
	assert.Contains(t, lines[len(lines)-2], "CPU ns per entity-frame")
	assert.Contains(t, lines[len(lines)-1], "Game idiom, 200 entities")
	assert.Contains(t, lines[len(lines)-1], "CPU ns per entity-frame")
	assert.Contains(t, lines[len(lines)-1], "mean frame overrun")
}
