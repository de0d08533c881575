// The buffer ring of a buffered channel: the items it holds, and how it
// grows, fills and drains under the channel's lock.

package channel

// item is a buffered value, or a buffered error sent with SendError.
type item[T any] struct {
	val T
	err error
}

// eagerBuffer is the most values of a buffered channel's buffer allocated
// when it is created; a larger buffer grows (doubling) as it fills.
const eagerBuffer = 1 << 12

// putLocked appends it to the buffer, which must have room (count < size).
func (c *Channel[T]) putLocked(it item[T]) {
	if c.count == len(c.buf) {
		c.growLocked()
	}
	c.buf[(c.head+c.count)%len(c.buf)] = it
	c.count++
}

// growLocked doubles the full buffer's storage, up to size, keeping the
// order of the buffered items.
func (c *Channel[T]) growLocked() {
	n := len(c.buf)
	grown := make([]item[T], min(max(2*n, 16), c.size))
	k := copy(grown, c.buf[c.head:])
	copy(grown[k:], c.buf[:c.head])
	c.buf, c.head = grown, 0
}

// takeLocked removes the buffer's first item, which must exist.
func (c *Channel[T]) takeLocked() item[T] {
	it := c.buf[c.head]
	c.buf[c.head] = item[T]{}
	c.head = (c.head + 1) % len(c.buf)
	c.count--
	return it
}
