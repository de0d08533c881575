//go:build cgo

// The Go callbacks that the C message queue calls to deliver messages.

package cmq

/*
#include <stdint.h>
*/
import "C"

import "unsafe"

// goOnMessage is the C library's receive callback for one message: it
// returns 0 when the receiver took it, 1 when it refused it.
//
//export goOnMessage
func goOnMessage(sink C.uintptr_t, v C.int64_t) C.int {
	if receivers[sink].Load().r.Message(int64(v)) {
		return 0
	}
	return 1
}

// goOnBatch is the receive callback for a batch of n messages.
//
//export goOnBatch
func goOnBatch(sink C.uintptr_t, v *C.int64_t, n C.int) C.int {
	vals := unsafe.Slice((*int64)(unsafe.Pointer(v)), int(n))
	if receivers[sink].Load().r.Batch(vals) {
		return 0
	}
	return 1
}
