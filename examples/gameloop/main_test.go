package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out strings.Builder
	// Few NPCs: under the race detector an NPC's step takes about 0.5 ms,
	// and NPCs woken by their timers run ahead of the runaway (NPCs may
	// overrun too, on a loaded machine).
	require.NoError(t, run(&out, 30, 10))
	got := out.String()
	assert.Contains(t, got, "(runaway) ran past its 1ms slice 3 times: killed it")
	assert.Contains(t, got, "30 frames, 10 NPCs: scheduler time per frame p50 ")
	assert.Contains(t, got, "; runaway: first overrun to death ")
	assert.Contains(t, got, "watchdog interrupts: ")
}
