package scheduler

// ring is a scheduler's run queue: a circular deque of tasklets whose front
// is the current tasklet while one is running.
//
// Invariants (all under Scheduler.mu):
//   - the running tasklet, when it is in the ring, is at the front;
//   - appending (pushBack) puts a tasklet just before the current one, at the
//     end of the cycle;
//   - a tasklet is in the ring at most once, exactly when its state is
//     Scheduled or Current.
type ring struct {
	buf  []*entry // len(buf) is zero or a power of two
	head int
	n    int
}

func (r *ring) mask() int { return len(r.buf) - 1 }

func (r *ring) at(i int) *entry { return r.buf[(r.head+i)&r.mask()] }

func (r *ring) front() *entry {
	if r.n == 0 {
		return nil
	}
	return r.buf[r.head]
}

func (r *ring) grow() {
	nb := make([]*entry, max(16, 2*len(r.buf)))
	for i := 0; i < r.n; i++ {
		nb[i] = r.at(i)
	}
	r.buf, r.head = nb, 0
}

// pushBack appends e at the end of the cycle.
func (r *ring) pushBack(e *entry) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.appendRoom(e)
}

// appendRoom appends e at the end of the cycle; the ring must have room.
func (r *ring) appendRoom(e *entry) {
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = e
	r.n++
}

// pushFront makes e the front.
func (r *ring) pushFront(e *entry) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.head = (r.head - 1) & r.mask()
	r.buf[r.head] = e
	r.n++
}

// insertSecond puts e right after the front: it runs next.
func (r *ring) insertSecond(e *entry) { r.insertAt(min(1, r.n), e) }

// insertAt puts e at position i (0 is the front), shifting those after it.
func (r *ring) insertAt(i int, e *entry) {
	i = min(i, r.n)
	r.pushBack(e)
	for j := r.n - 1; j > i; j-- {
		r.buf[(r.head+j)&r.mask()] = r.at(j - 1)
	}
	r.buf[(r.head+i)&r.mask()] = e
}

func (r *ring) popFront() *entry {
	e := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & r.mask()
	r.n--
	return e
}

// rotate moves the front to the back: the next tasklet becomes the front.
func (r *ring) rotate() {
	if r.n <= 1 {
		return
	}
	if r.n == len(r.buf) {
		r.head = (r.head + 1) & r.mask() // full: the front is already behind the back
		return
	}
	m := r.mask()
	r.buf[(r.head+r.n)&m] = r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & m
}

// rotateTo rotates until e is the front; e must be in the ring.
func (r *ring) rotateTo(e *entry) {
	for r.n > 0 && r.buf[r.head] != e {
		r.pushBack(r.popFront())
	}
}

// remove takes e out of the ring, keeping the order of the others.
func (r *ring) remove(e *entry) bool {
	for i := 0; i < r.n; i++ {
		if r.at(i) != e {
			continue
		}
		for j := i; j < r.n-1; j++ {
			r.buf[(r.head+j)&r.mask()] = r.at(j + 1)
		}
		r.buf[(r.head+r.n-1)&r.mask()] = nil
		r.n--
		return true
	}
	return false
}
