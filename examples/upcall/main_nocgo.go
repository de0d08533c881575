//go:build !cgo

// Command upcall needs cgo: it calls into a tiny C library whose own
// threads call back into Go. Built without cgo (CGO_ENABLED=0) it only says
// so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "upcall: built without cgo (CGO_ENABLED=0); rebuild with cgo to run the C library")
}
