// Issue 19, cold spawn: where tasklets spawned in a burst park.

package scheduler_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// TestIssue19BurstParksInParkFrame spawns tasklets in a burst that each
// receive on one channel, runs until they all park, and reads every
// goroutine's stack: each parked tasklet waits in Park's own frame, with no
// transfer frame under it. Starting the next new tasklet (and, at the end,
// leaving the decision to the root) used to go through transfer, where the
// tasklet then parked: one more frame on every parked stack, walked by
// every garbage collection, and 64 more bytes of the coroutine's starting
// stack at its first park.
func TestIssue19BurstParksInParkFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{1, 2, 40, 100} { // 40 and 100: deeper than the nesting chain (maxDepth 32)
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := start(t)
			ch := channel.New[int]()
			var got []string
			for i := range n {
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					v, err := ch.Receive(tk)
					if err == nil && i == 0 {
						got = append(got, fmt.Sprint("first received ", v))
					}
				})
				require.NoError(t, err)
			}
			_, err := s.Run()
			require.NoError(t, err)
			inPark, inTransfer := parkedFrames()
			got = append(got, fmt.Sprintf("parked %d, in Park %d, in transfer %d", -ch.Balance(), inPark, inTransfer))
			require.NoError(t, ch.Send(s.Main(), 7)) // the first receiver takes it
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{
				fmt.Sprintf("parked %d, in Park %d, in transfer 0", n, n),
				"first received 7",
			}, got)
		})
	}
}

// parkedFrames counts the goroutines whose stack holds Park's frame, and
// those of them that also hold transfer's.
func parkedFrames() (inPark, inTransfer int) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "scheduler.(*entry).Park(") {
			inPark++
			if strings.Contains(g, "scheduler.(*Scheduler).transfer(") {
				inTransfer++
			}
		}
	}
	return inPark, inTransfer
}
