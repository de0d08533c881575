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
	require.NoError(t, run(&out, 5000))
	assert.Contains(t, out.String(), "5000 messages from an alien goroutine to 8 consumers on 2 locked threads")
	assert.Contains(t, out.String(), "every message consumed exactly once")
	assert.Contains(t, out.String(), "the split is not even")
}
