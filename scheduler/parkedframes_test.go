//go:build !race && !stackless_debug

// Issue 19, cold spawn: where in Park and in a channel receive a parked
// tasklet's frames keep their return addresses. The race detector and the
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
// in Park and in Channel.receive. A garbage collection that misses the
// runtime's small per-thread cache of stack-map lookups (a tasklet's
// parked stack is deeper than it holds) decodes each frame's tables from
// the function's start to that address; with the suspension after the slow
// paths, the offsets were +0x724 (Park) and +0x7cc (receive), and that
// decoding was the largest part of a collection's cost per parked tasklet
// (callgrind: 25.6k instructions per parked tasklet and cycle, 18.6k
// with the suspension first). The limit leaves room for the compiler's
// layout to vary, not for the slow paths to come first again.
const parkedFrameLimit = 0x600

// TestIssue19ParkedFramesEarly parks tasklets on a channel receive (and,
// for comparison, lets one complete) and reads the offsets of the return
// addresses their stacks keep in Park and in receive: both below
// parkedFrameLimit.
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
			park, recv := parkedOffsets(t)
			got = append(got, fmt.Sprintf("parked %d: in Park %d early %d, in receive %d early %d",
				-ch.Balance(), len(park), countBelow(park, parkedFrameLimit), len(recv), countBelow(recv, parkedFrameLimit)))
			require.NoError(t, ch.Send(s.Main(), 7))
			_, err = s.Run()
			require.NoError(t, err)
			want := []string{fmt.Sprintf("parked %d: in Park %d early %d, in receive %d early %d", n, n, n, n, n),
				"tasklet 0 received 7, <nil>"}
			assert.Equal(t, want, got, "offsets: Park %x, receive %x", park, recv)
		})
	}
}

var frameOffset = regexp.MustCompile(`\+0x([0-9a-f]+)$`)

// parkedOffsets returns, for every goroutine parked in Park, the offsets
// of the return addresses its stack keeps in Park and in Channel.receive.
func parkedOffsets(t *testing.T) (park, recv []uint64) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		for i := 0; i+1 < len(lines); i++ {
			var into *[]uint64
			switch {
			case strings.Contains(lines[i], "scheduler.(*entry).Park("):
				into = &park
			case strings.Contains(lines[i], "channel.(*Channel[...]).receive("):
				into = &recv
			default:
				continue
			}
			m := frameOffset.FindStringSubmatch(strings.TrimSpace(lines[i+1]))
			require.NotNil(t, m, "%s", lines[i+1])
			off, err := strconv.ParseUint(m[1], 16, 64)
			require.NoError(t, err)
			*into = append(*into, off)
		}
	}
	return park, recv
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
