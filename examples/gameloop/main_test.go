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
	require.NoError(t, run(&out, 30, 50))
	got := out.String()
	assert.Contains(t, got, "(runaway) ran past its 1ms slice 3 times: killed it")
	assert.Contains(t, got, "30 frames, 50 NPCs: scheduler time per frame p50 ")
	assert.Contains(t, got, "slice overruns: 3; runaway: first overrun to death ")
	assert.Contains(t, got, "watchdog interrupts: ")
}
