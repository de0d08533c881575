//go:build !race && !stackless_debug

// Issue 19, cold spawn: where in Park a parked tasklet's frame keeps its
// return address. The race detector and the
// debug mode add code to those functions, so this file is left out of those
// builds.

package scheduler_test

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// parkedFrameLimit bounds the offset of a parked tasklet's return address
// in Park. A garbage collection that misses the
// runtime's small per-thread cache of stack-map lookups (a tasklet's
// parked stack is deeper than it holds) decodes each frame's tables from
// the function's start to that address; with the suspension after the slow
// paths, Park's offset was +0x724, and that decoding was the largest part
// of a collection's cost per parked tasklet (callgrind, a cycle with 10k
// tasklets parked on a receive: 25.6k instructions per tasklet, 19.7k with
// the suspension first, at +0x4fd). The limit leaves room for the
// compiler's layout to vary, not for the slow paths to come first again.
// (Channel.receive's return address, +0x7cc, could come early the same
// way, blocking path first: 18.6k; but that cost its ping-pong 1%.)
const parkedFrameLimit = 0x600

// TestIssue19ParkedFramesEarly parks tasklets on a channel receive (then
// lets one complete) and reads the offsets of the return addresses their
// stacks keep in Park: below parkedFrameLimit.
func TestIssue19ParkedFramesEarly(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := start(t)
			ch := channel.New[int]()
			var got []string
			for i := range n {
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					v, err := ch.Receive(tk)
					got = append(got, fmt.Sprintf("tasklet %d received %d, %v", i, v, err))
				})
				require.NoError(t, err)
			}
			_, err := s.Run()
			require.NoError(t, err)
			park := parkedOffsets(t)
			got = append(got, fmt.Sprintf("parked %d: in Park %d, early %d",
				-ch.Balance(), len(park), countBelow(park, parkedFrameLimit)))
			require.NoError(t, ch.Send(s.Main(), 7))
			_, err = s.Run()
			require.NoError(t, err)
			want := []string{fmt.Sprintf("parked %d: in Park %d, early %d", n, n, n),
				"tasklet 0 received 7, <nil>"}
			assert.Equal(t, want, got, "offsets in Park: %x", park)
		})
	}
}

var frameOffset = regexp.MustCompile(`\+0x([0-9a-f]+)$`)

// parkedOffsets returns, for every goroutine parked in Park, the offset
// of the return address its stack keeps in Park.
func parkedOffsets(t *testing.T) (park []uint64) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		for i := 0; i+1 < len(lines); i++ {
			if !strings.Contains(lines[i], "scheduler.(*entry).Park(") {
				continue
			}
			m := frameOffset.FindStringSubmatch(strings.TrimSpace(lines[i+1]))
			require.NotNil(t, m, "%s", lines[i+1])
			off, err := strconv.ParseUint(m[1], 16, 64)
			require.NoError(t, err)
			park = append(park, off)
		}
	}
	return park
}

func countBelow(offs []uint64, limit uint64) int {
	n := 0
	for _, o := range offs {
		if o < limit {
			n++
		}
	}
	return n
}
