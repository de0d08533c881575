package scheduler

// DebugChecks tells the tests whether the debug mode is on (see debug.go).
const DebugChecks = debugChecks
