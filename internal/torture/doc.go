// Package torture holds the long-running tests that prove the runtime keeps
// working and loses nothing under load, faults and bad input: kill storms
// across schedulers, a soak test mixing every feature (off by default:
// STACKLESS_SOAK=5m go test ./internal/torture), and bad input for every
// exported call. It has no API.
package torture
