package sandbox

import (
	mrand "math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The deadline queue hands deadlines back soonest first, then in creation
// order (event ids under a seed depend on it), once each even when one was
// queued twice, and only those that have passed.
func TestDeadlineQueueOrder(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var q deadlineQueue
	var want []deadline
	for i := range 500 {
		at := base.Add(time.Duration(rng.IntN(50)) * time.Minute)
		q.add(at, i)
		want = append(want, deadline{at: at.UnixNano(), pos: int32(i)})
		if i%7 == 0 { // queued again for the same time: a move that kept its deadline
			q.add(at, i)
		}
	}
	slices.SortFunc(want, func(a, b deadline) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	})
	cut := base.Add(25 * time.Minute)
	got := q.passed(cut, func(int64, int32) bool { return true })
	var wantPassed []int32
	for _, d := range want {
		if d.at <= cut.UnixNano() {
			wantPassed = append(wantPassed, d.pos)
		}
	}
	if !slices.Equal(got, wantPassed) {
		t.Fatalf("passed at +25m:\n got %v\nwant %v", got, wantPassed)
	}
	// A deadline that no longer applies is dropped without being handed back.
	rest := q.passed(base.Add(time.Hour), func(_ int64, pos int32) bool { return pos%2 == 0 })
	var wantRest []int32
	for _, d := range want {
		if d.at > cut.UnixNano() && d.pos%2 == 0 {
			wantRest = append(wantRest, d.pos)
		}
	}
	if !slices.Equal(rest, wantRest) {
		t.Errorf("passed at +1h, odd positions no longer due:\n got %v\nwant %v", rest, wantRest)
	}
	if len(q) != 0 {
		t.Errorf("%d left queued after every deadline passed", len(q))
	}
}
