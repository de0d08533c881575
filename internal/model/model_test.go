package model

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var (
	seedFlag = flag.Int64("seed", -1, "TestModel: replay this one seed, logging its program and trace")
	seqFlag  = flag.Int("sequences", 0, "TestModel: number of random sequences (0: the default)")
)

// maxSteps bounds main's operations in one generated program.
const maxSteps = 40

// sequences is how many seeds TestModel runs by default.
func sequences() int {
	switch {
	case *seqFlag > 0:
		return *seqFlag
	case raceEnabled:
		return 3000
	case testing.Short():
		return 2000
	}
	return 10000
}

func programFromSeed(seed int64) Program {
	return generate(newRNG(seed), maxSteps, nil)
}

// TestModel runs random programs on the model and the runtime and compares
// them after every step of main. Replay one with -seed=N.
func TestModel(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *seedFlag >= 0 {
		p := programFromSeed(*seedFlag)
		t.Logf("seed %d program:\n%v", *seedFlag, p)
		m := NewModel(p.Chans)
		for _, op := range p.Ops {
			require.NoError(t, m.Step(op))
		}
		t.Logf("model trace:\n  %s", strings.Join(m.Trace(), "\n  "))
		checkProgram(t, *seedFlag, p)
		return
	}
	n := sequences()
	start := time.Now()
	steps := 0
	for seed := range int64(n) {
		p := programFromSeed(seed)
		steps += len(p.Ops)
		if !checkProgram(t, seed, p) {
			return
		}
	}
	t.Logf("%d sequences (%d main steps) in %v", n, steps, time.Since(start).Round(time.Millisecond))
}

// checkProgram runs p and, on a mismatch, shrinks it and fails the test.
func checkProgram(t *testing.T, seed int64, p Program) bool {
	t.Helper()
	f := runProgram(p)
	if f == nil {
		return true
	}
	small := shrink(p)
	sf := runProgram(small)
	t.Fatalf("seed %d (replay: go test ./internal/model -run TestModel -seed=%d): model and runtime disagree %v\nprogram:\n%v\nshrunk program:\n%v\nshrunk: %v",
		seed, seed, f, p, small, sf)
	return false
}

// TestModelDeterministic: the generator and the model are pure functions of
// the seed, so a replay reproduces a failure.
func TestModelDeterministic(t *testing.T) {
	defer goleak.VerifyNone(t)
	for seed := range int64(50) {
		a, b := programFromSeed(seed), programFromSeed(seed)
		require.Equal(t, a.String(), b.String())
		ma, mb := NewModel(a.Chans), NewModel(b.Chans)
		for _, op := range a.Ops {
			require.NoError(t, ma.Step(op))
			require.NoError(t, mb.Step(op))
		}
		require.Equal(t, ma.Trace(), mb.Trace())
	}
}
