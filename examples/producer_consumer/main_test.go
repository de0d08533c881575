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
	require.NoError(t, run(&out, 10_000))
	got := out.String()
	assert.Contains(t, got, "preference -1, receiver first (default): each send switches to the consumer:\n    send 1, got 1, send 2, got 2, send 3, got 3, close")
	assert.Contains(t, got, "preference +0, neither: the producer keeps running, the consumer is queued:\n    send 1, send 2, got 1, got 2, send 3, close, got 3")
	assert.Contains(t, got, "preference +1, sender first: a consumer taking from a waiting producer switches back to it:\n    send 1, send 2, got 1, send 3, got 2, close, got 3")
	assert.Contains(t, got, "summary: 10000 items moved")
	assert.Contains(t, got, "nothing lost")
}
