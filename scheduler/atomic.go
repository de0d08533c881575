package scheduler

import "sync"

// atomicLock is the process-wide exclusion behind the atomic flag (DESIGN.md
// section 4).
//
// Invariant: a tasklet holds atomicLock exactly while it runs with its atomic
// flag set. The driver loop takes it before resuming an atomic tasklet and
// releases it when that tasklet suspends; SetAtomic takes or releases it for
// the running tasklet. It is never taken while a Scheduler.mu or a channel
// lock is held, so atomic code may take those freely.
var atomicLock sync.Mutex
