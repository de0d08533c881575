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
	require.NoError(t, run(&out, 50))
	got := out.String()
	assert.Contains(t, got, "root: shutting down 5 children")
	assert.Contains(t, got, "acceptor: stopped taking jobs")
	assert.Contains(t, got, "collector: ")
	assert.Contains(t, got, "root: service down")
	assert.Contains(t, got, " 0 lost; cache lock held: false")
	assert.Contains(t, got, "handed back", "workers were killed holding jobs")
	assert.Less(t, strings.Index(got, "acceptor:"), strings.Index(got, "collector:"), "intake stops first")
}
