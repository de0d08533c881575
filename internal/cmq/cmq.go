//go:build cgo

// A C message queue (built with cgo): C threads deliver messages to
// registered Go receivers, polled or on threads of their own.

package cmq

/*
#cgo LDFLAGS: -lpthread
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

extern int goOnMessage(uintptr_t sink, int64_t v);
extern int goOnBatch(uintptr_t sink, int64_t *v, int n);

typedef struct {
	uintptr_t sink;
	int64_t   first, n;
	int       batch;
	int64_t   refused;
} mq_job;

#define MQ_MAX_BATCH 256

// mq_deliver calls the receive callback for messages first..first+n-1,
// one at a time or batch at a time; it counts the refused messages.
static void mq_deliver(mq_job *j) {
	if (j->batch <= 1) {
		for (int64_t i = 0; i < j->n; i++) {
			if (goOnMessage(j->sink, j->first + i) != 0) j->refused++;
		}
		return;
	}
	int64_t buf[MQ_MAX_BATCH];
	int b = j->batch > MQ_MAX_BATCH ? MQ_MAX_BATCH : j->batch;
	for (int64_t i = 0; i < j->n;) {
		int k = (j->n - i) < b ? (int)(j->n - i) : b;
		for (int m = 0; m < k; m++) buf[m] = j->first + i + m;
		if (goOnBatch(j->sink, buf, k) != 0) j->refused += k;
		i += k;
	}
}

static void *mq_thread(void *arg) {
	mq_deliver((mq_job *)arg);
	return NULL;
}

// mq_poll delivers n messages, numbered from first, on the calling thread.
static int64_t mq_poll(uintptr_t sink, int64_t first, int64_t n, int batch) {
	mq_job j = {sink, first, n, batch, 0};
	mq_deliver(&j);
	return j.refused;
}

// mq_run_threads starts nthreads threads of its own; thread i delivers n
// messages numbered from i<<40. It joins them and returns the number of
// refused messages, or -1 if a thread could not be started.
static int64_t mq_run_threads(uintptr_t sink, int nthreads, int64_t n, int batch) {
	pthread_t th[64];
	mq_job jobs[64];
	if (nthreads < 1 || nthreads > 64) return -1;
	int started = 0;
	for (int i = 0; i < nthreads; i++) {
		jobs[i] = (mq_job){sink, ((int64_t)i) << 40, n, batch, 0};
		if (pthread_create(&th[i], NULL, mq_thread, &jobs[i]) != 0) break;
		started++;
	}
	int64_t refused = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		refused += jobs[i].refused;
	}
	return started == nthreads ? refused : -1;
}
*/
import "C"

import (
	"errors"
	"sync"
	"sync/atomic"
)

// A Receiver takes the messages of one delivery. Each method reports
// whether it took them; a refusal is counted and returned to the caller of
// Poll or RunThreads. They are called on the delivering thread: the
// caller's for Poll, a C thread's for RunThreads, concurrently from several.
type Receiver interface {
	Message(v int64) bool
	// Batch takes a batch; vals is the C library's buffer, reused after
	// Batch returns.
	Batch(vals []int64) bool
}

// MaxBatch is the largest batch the library delivers at once.
const MaxBatch = C.MQ_MAX_BATCH

// ThreadShift numbers the messages of C thread i from i<<ThreadShift.
const ThreadShift = 40

var (
	receivers   [16]atomic.Pointer[receiverBox]
	receiversMu sync.Mutex
)

type receiverBox struct{ r Receiver }

// ErrTooMany is returned by Register when every slot is taken.
var ErrTooMany = errors.New("cmq: too many receivers")

// Register gives r a slot, the number the C library knows it by.
func Register(r Receiver) (int, error) {
	receiversMu.Lock()
	defer receiversMu.Unlock()
	for i := range receivers {
		if receivers[i].Load() == nil {
			receivers[i].Store(&receiverBox{r})
			return i, nil
		}
	}
	return 0, ErrTooMany
}

// Unregister frees slot; no delivery to it may be in progress.
func Unregister(slot int) {
	receiversMu.Lock()
	receivers[slot].Store(nil)
	receiversMu.Unlock()
}

// Poll delivers n messages numbered from first, batch at a time (one at a
// time for batch <= 1), on the calling thread, to the receiver in slot; it
// returns how many were refused.
func Poll(slot int, first, n int64, batch int) int64 {
	return int64(C.mq_poll(C.uintptr_t(slot), C.int64_t(first), C.int64_t(n), C.int(batch)))
}

// RunThreads delivers n messages from each of nthreads (1..64) C threads
// of the library's own to the receiver in slot, and returns how many were
// refused (-1: a thread could not start).
func RunThreads(slot, nthreads int, n int64, batch int) int64 {
	return int64(C.mq_run_threads(C.uintptr_t(slot), C.int(nthreads), C.int64_t(n), C.int(batch)))
}
