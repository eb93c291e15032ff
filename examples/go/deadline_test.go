// Item deadlines: SubmitOptions.Deadline and a context's deadline and
// cancellation, for a Grinder and a BatchGrinder.
package workgrinder

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestDeadlineEndsAnItemBehindABlockedOneWithoutRunning(t *testing.T) {
	g := oneSlot(t)
	gt := newGate()
	if err := SubmitFunc(g, gt.work, func(int, error) {}); err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	var ran atomic.Int64
	opts := SubmitOptions{Deadline: time.Now().Add(50 * time.Millisecond)}
	done := make(chan error, 1)
	if err := SubmitFuncWith(g, opts, neverRuns(&ran), func(_ int, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	f, err := EnqueueWith(context.Background(), g, opts, neverRuns(&ran))
	if err != nil {
		t.Fatal(err)
	}
	_, ferr := f.Wait(context.Background()) // comes while the first item still blocks
	f.Release()
	cerr := <-done
	for _, err := range []error{ferr, cerr} {
		if !errors.Is(err, ErrTimedOut) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	}
	s := stats(t, g)
	if s.Expired != 2 || s.Failed != 2 || s.Pending != 0 || s.InflightItems != 1 || s.Completed != 0 {
		t.Fatalf("%+v", s)
	}
	close(gt.open)
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("an expired item ran")
	}
	expectNoHandles(t)
}

func TestADeadlineAlreadyPastStillGivesAnOutcome(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1")
	var ran atomic.Int64
	_, err := SubmitWith(context.Background(), g, SubmitOptions{Deadline: time.Now().Add(-time.Second)},
		neverRuns(&ran))
	if !errors.Is(err, ErrTimedOut) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	if s := stats(t, g); s.Expired != 1 || s.Failed != 1 || s.Submitted != 1 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("ran after its deadline")
	}
	expectNoHandles(t)
}

// The context's deadline is the item's: whichever notices first (the
// library's deadline or the wait on ctx), the item never runs, ends once, and
// the error matches both ErrTimedOut and context.DeadlineExceeded.
func TestContextDeadlineBecomesTheItemDeadline(t *testing.T) {
	g := oneSlot(t)
	gt := newGate()
	if err := SubmitFunc(g, gt.work, func(int, error) {}); err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	var ran atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := SubmitContext(ctx, g, neverRuns(&ran))
	var e *Error
	if !errors.Is(err, ErrTimedOut) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &e) ||
		e.Status != ETIMEDOUT {
		t.Fatal(err)
	}
	f, err := EnqueueContext(ctx, g, neverRuns(&ran)) // ctx has expired: still an outcome
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Wait(context.Background()); !errors.Is(err, ErrTimedOut) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	f.Release()
	s := stats(t, g)
	if s.Expired+s.Cancelled != 2 || s.Failed != s.Expired || s.Pending != 0 || s.Submitted != 3 {
		t.Fatalf("%+v", s)
	}
	close(gt.open)
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("an expired item ran")
	}
	expectNoHandles(t)
}

// deadlineOnly has a deadline but never ends by itself, so nothing but the
// library can end an item by it.
type deadlineOnly struct {
	context.Context
	at time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.at, true }

func TestTheLibraryEndsAnItemAtItsContextsDeadline(t *testing.T) {
	g := oneSlot(t)
	gt := newGate()
	if err := SubmitFunc(g, gt.work, func(int, error) {}); err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	var ran atomic.Int64
	ctx := deadlineOnly{context.Background(), time.Now().Add(50 * time.Millisecond)}
	f, err := EnqueueContext(ctx, g, neverRuns(&ran))
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(context.Background(), 10*time.Second) // fails, not hangs
	defer cancel()
	if _, err := f.Wait(wait); !errors.Is(err, ErrTimedOut) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	f.Release()
	if s := stats(t, g); s.Expired != 1 || s.Failed != 1 || s.Cancelled != 0 || s.Pending != 0 {
		t.Fatalf("%+v", s)
	}
	close(gt.open)
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("an expired item ran")
	}
	expectNoHandles(t)
}

func TestEnqueueContextCancellationCancelsTheItem(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "100", "max_wait_seconds", "600")
	var ran atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	f, err := EnqueueContext(ctx, g, neverRuns(&ran))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = f.Wait(context.Background()) // ctx does not bound the wait: the cancel decides it
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimedOut) {
		t.Fatal(err)
	}
	f.Release()
	if s := stats(t, g); s.Cancelled != 1 || s.Pending != 0 || s.Submitted != 1 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("a cancelled item ran")
	}
	expectNoHandles(t)
}

func TestBatchItemsPastTheirDeadlineAreLeftOut(t *testing.T) {
	lockThread(t)
	c := newConf(t, "batch_size_threshold", "1", "max_wait_seconds", "600", "max_inflight_batches", "1",
		"max_batch_size", "1")
	defer c.Close()
	gt := newGate()
	var seen []int // the handler's, read after Close
	g, err := NewBatchGrinder(c, func(items []BatchItem[int, int]) {
		for _, it := range items {
			seen = append(seen, it.Arg())
			if it.Arg() == 0 {
				gt.work()
			}
			it.Set(it.Arg() * 10)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	blocked, err := g.Enqueue(0)
	if err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	late, err := g.EnqueueWith(context.Background(), SubmitOptions{Deadline: time.Now().Add(50 * time.Millisecond)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := late.Wait(context.Background()); !errors.Is(err, ErrTimedOut) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.SubmitContext(ctx, 2); !errors.Is(err, ErrTimedOut) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	close(gt.open)
	if v, err := blocked.Wait(context.Background()); v != 0 || err != nil {
		t.Fatal(v, err)
	}
	if v, err := g.SubmitWith(context.Background(), SubmitOptions{Deadline: time.Now().Add(time.Minute)}, 3); v != 30 || err != nil {
		t.Fatal(v, err)
	}
	blocked.Release()
	late.Release()
	g.Close()
	if len(seen) != 2 || seen[0] != 0 || seen[1] != 3 {
		t.Fatalf("the handler saw %v", seen)
	}
	expectNoHandles(t)
}
