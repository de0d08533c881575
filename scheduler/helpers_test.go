package scheduler_test

import "github.com/stackless-go/stackless/internal/schedtest"

// Shared test helpers (internal/schedtest).
var (
	start      = schedtest.Start // a scheduler closed and leak-checked by t.Cleanup
	newSched   = schedtest.New
	closeSched = schedtest.Close
	spawn      = schedtest.Spawn
)

type recorder = schedtest.Recorder
