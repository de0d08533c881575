// A lock's identity: a process-wide number given on first use, so that
// zero values need no constructor.

package locks

import (
	"fmt"

	"go.uber.org/atomic"
)

// ident gives a lock a process-wide number on first use, so that zero
// values need no constructor, and a waiter cache.
type ident struct {
	id atomic.Uint64
	waiterCache
}

var lastID atomic.Uint64

func (i *ident) get() uint64 {
	if id := i.id.Load(); id != 0 {
		return id
	}
	i.id.CompareAndSwap(0, lastID.Inc())
	return i.id.Load()
}

func (i *ident) name(kind string) string { return fmt.Sprintf("%s %d", kind, i.get()) }
