package sandbox

import (
	"sync"
	"time"
)

// Clock is the sandbox's time source. It follows real time shifted by an
// offset (or stands still when frozen), and Advance moves it forward, firing
// konbini deadlines and session expiry at once. Safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	frozen bool
	at     time.Time     // frozen time
	offset time.Duration // added to time.Now when not frozen
	subs   map[int]func(time.Time)
	nextID int
}

// NewClock returns a clock. A zero start follows real time; a non-zero start
// freezes the clock at start, so only Advance moves it (for golden tests).
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		return &Clock{}
	}
	return &Clock{frozen: true, at: start}
}

// NewRunningClock returns a clock that starts at start and then follows
// real time: tests get a fixed date without freezing time (polls, leases
// and ordering by creation time still see it pass).
func NewRunningClock(start time.Time) *Clock {
	return &Clock{offset: time.Until(start)}
}

// Now returns the clock's current time in UTC, to the second, as KOMOJU
// writes timestamps.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.frozen {
		return c.at.UTC().Truncate(time.Second)
	}
	return time.Now().Add(c.offset).UTC().Truncate(time.Second)
}

// Advance moves the clock forward by d (negative d is ignored: time in the
// sandbox never runs backwards) and fires everything that became due.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	if d > 0 {
		if c.frozen {
			c.at = c.at.Add(d)
		} else {
			c.offset += d
		}
	}
	now := c.nowLocked()
	subs := make([]func(time.Time), 0, len(c.subs))
	for _, f := range c.subs {
		subs = append(subs, f)
	}
	c.mu.Unlock()
	for _, f := range subs {
		f(now)
	}
	return now
}

// subscribe registers f to run after every Advance and returns its handle.
func (c *Clock) subscribe(f func(time.Time)) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs == nil {
		c.subs = map[int]func(time.Time){}
	}
	c.nextID++
	c.subs[c.nextID] = f
	return c.nextID
}

func (c *Clock) unsubscribe(id int) {
	c.mu.Lock()
	delete(c.subs, id)
	c.mu.Unlock()
}
