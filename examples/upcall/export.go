//go:build cgo

package main

/*
#include <stdint.h>
*/
import "C"

import "unsafe"

// goOnMessage is the C library's receive callback for one message: it
// returns 0 when the sink took it, 1 when it refused it (closed).
//
//export goOnMessage
func goOnMessage(sink C.uintptr_t, v C.int64_t) C.int {
	if sinks[sink].Load().message(int64(v)) != nil {
		return 1
	}
	return 0
}

// goOnBatch is the receive callback for a batch of n messages.
//
//export goOnBatch
func goOnBatch(sink C.uintptr_t, v *C.int64_t, n C.int) C.int {
	vals := unsafe.Slice((*int64)(unsafe.Pointer(v)), int(n))
	if sinks[sink].Load().batch(vals) != nil {
		return 1
	}
	return 0
}
