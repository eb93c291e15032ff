// Helpers of the flow control tests: a gate that blocks work, grinders that
// run one item at a time, and a wait for admission waits to begin.
package workgrinder

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// gate blocks a work function until opened; entered is closed once it is
// inside.
type gate struct {
	entered, open chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), open: make(chan struct{})} }

func (g *gate) work() (int, error) {
	close(g.entered)
	<-g.open
	return 0, nil
}

// oneSlot is a grinder that runs one item at a time: with one item blocked
// in its work, the next one stays pending.
func oneSlot(t *testing.T, kv ...string) *Grinder {
	return newGrinder(t, append([]string{"batch_size_threshold", "1", "max_wait_seconds", "600",
		"max_inflight_batches", "1", "max_batch_size", "1"}, kv...)...)
}

// full is oneSlot with max_pending 1, filled: one item blocked on gt, one
// pending (its future returned).
func full(t *testing.T, gt *gate) (*Grinder, *Future[int]) {
	t.Helper()
	g := oneSlot(t, "max_pending", "1")
	if err := SubmitFunc(g, gt.work, func(int, error) {}); err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	f, err := Enqueue(g, func() (int, error) { return 100, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Enqueue(g, func() (int, error) { return 0, nil }); !errors.Is(err, ErrFull) {
		t.Fatal("not full:", err)
	}
	return g, f
}

// waitForAdmissionWaits waits until n submissions are waiting for room (the
// library counts a wait as it begins).
func waitForAdmissionWaits(t *testing.T, g *Grinder, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for stats(t, g).AdmissionWaits < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d admission waits, want %d", stats(t, g).AdmissionWaits, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func neverRuns(ran *atomic.Int64) func() (int, error) {
	return func() (int, error) { ran.Add(1); return 1, nil }
}
