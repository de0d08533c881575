//go:build cgo

package main

// The C side: a tiny messaging library that delivers messages through a
// receive callback, either on the calling thread (mq_poll) or from threads
// it starts itself with pthreads (mq_run_threads), which the Go runtime
// knew nothing about until they call back.

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

// maxBatch is the C library's largest batch.
const maxBatch = C.MQ_MAX_BATCH

// threadShift numbers the messages of C thread i from i<<threadShift.
const threadShift = 40

// poll delivers n messages numbered from first on the calling thread and
// returns how many the sink refused.
func poll(sink int, first, n int64, batch int) int64 {
	return int64(C.mq_poll(C.uintptr_t(sink), C.int64_t(first), C.int64_t(n), C.int(batch)))
}

// runThreads delivers n messages from each of nthreads C threads and
// returns how many the sink refused (-1: a thread could not start).
func runThreads(sink, nthreads int, n int64, batch int) int64 {
	return int64(C.mq_run_threads(C.uintptr_t(sink), C.int(nthreads), C.int64_t(n), C.int(batch)))
}
