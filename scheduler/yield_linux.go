package scheduler

import "syscall"

// osYield gives the OS thread's CPU to another runnable thread, if any
// (sched_yield), for a sleeper spinning on a locked thread: on a loaded
// machine its partner may be waiting for a CPU. The Go scheduler is not
// told: the goroutine keeps its P, as runtime.osyield does.
func osYield() { _, _, _ = syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
