// Package cmq is a tiny C messaging library, for the upcall example and the
// C-thread benchmarks: it delivers numbered messages through a receive
// callback (an exported Go function), either on the calling thread (Poll)
// or from threads it starts itself with pthreads (RunThreads), which the Go
// runtime knew nothing about until they call back, as a C messaging
// library's receive threads would. It needs cgo; built without it, the
// package is empty.
package cmq
