// The random lock programs of the property test: their operations, generator and printing.

package locks_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

const defaultLockPrograms = 300

var lockPrograms = flag.Int("lockprograms", defaultLockPrograms, "TestLocksProperty: number of random programs")

// Operations of a worker's script and of a controller's.
const (
	pAcquire  = iota // blocking Acquire (only when holding nothing: no self-deadlock)
	pTimed           // AcquireTimeout with a short timeout
	pTry             // TryAcquire
	pRelease         // release one unit held, if any
	pSchedule        // Schedule (holding what it holds)
	pSleep0          // Sleep(0)
	pSleep           // a short Sleep
	pWait            // Lock, RLock: WaitTimeout on a Condition over the lock, if holding it
	pNotify          // Lock, RLock: Notify one, or all, if holding the lock
	nWorkerOps
)

const (
	cKill     = iota // Kill a worker (pending form)
	cKillNow         // KillNow a worker of the same scheduler (else Kill)
	cThrow           // Throw into a started worker
	cThrowNow        // ThrowNow into a started worker of the same scheduler (else Throw)
	cSchedule
	cSleep
	nControlOps
)

// propOp is one operation: kind, target worker (controllers), duration.
type propOp struct {
	kind, target int
	d            time.Duration
}

// propProgram is a random program over one lock.
type propProgram struct {
	kind     string // Lock, RLock, Semaphore, BoundedSemaphore
	units    int
	nsched   int
	workers  [][]propOp // worker i runs on scheduler i % nsched
	controls [][]propOp // controller i runs on scheduler i % nsched
}

func (p propProgram) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d) on %d schedulers\n", p.kind, p.units, p.nsched)
	for i, s := range p.workers {
		fmt.Fprintf(&b, "  w%d@s%d: %v\n", i, i%p.nsched, s)
	}
	for i, s := range p.controls {
		fmt.Fprintf(&b, "  c%d@s%d: %v\n", i, i%p.nsched, s)
	}
	return b.String()
}

func genPropProgram(seed uint64) propProgram {
	rng := rand.New(rand.NewPCG(seed, 0x10c5))
	kinds := []string{"Lock", "RLock", "Semaphore", "BoundedSemaphore"}
	p := propProgram{kind: kinds[rng.IntN(len(kinds))], units: 1, nsched: 1 + rng.IntN(4)}
	if strings.HasSuffix(p.kind, "Semaphore") {
		p.units = 1 + rng.IntN(3)
	}
	us := func(n int) time.Duration { return time.Duration(rng.IntN(n)) * time.Microsecond }
	for range 2 + rng.IntN(5) {
		var s []propOp
		for range 3 + rng.IntN(10) {
			s = append(s, propOp{kind: rng.IntN(nWorkerOps), d: us(300)})
		}
		p.workers = append(p.workers, s)
	}
	for range 1 + rng.IntN(p.nsched) {
		var s []propOp
		for range 2 + rng.IntN(8) {
			s = append(s, propOp{kind: rng.IntN(nControlOps), target: rng.IntN(len(p.workers)), d: us(300)})
		}
		p.controls = append(p.controls, s)
	}
	return p
}

// holdsLock reports whether tk holds l: owns it (RLock) or finds it locked
// (Lock: it has no owner).
func holdsLock(l propLock, tk *tasklet.Tasklet) bool {
	if rl, ok := l.(*locks.RLock); ok {
		return rl.Owner() == tk
	}
	return l.Locked()
}
