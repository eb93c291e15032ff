package workgrinder

import (
	"context"
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

func TestAdmissionWaitsForRoomAndIsAdmitted(t *testing.T) {
	gt := newGate()
	g, pending := full(t, gt)
	admitted := make(chan *Future[int])
	go func() {
		f, err := EnqueueWith(context.Background(), g, SubmitOptions{AdmitTimeout: WaitForever},
			func() (int, error) { return 7, nil })
		if err != nil {
			t.Error(err)
		}
		admitted <- f
	}()
	waitForAdmissionWaits(t, g, 1)
	if s := stats(t, g); s.Pending != 1 || s.Submitted != 2 {
		t.Fatalf("admitted without room: %+v", s)
	}
	close(gt.open)
	f := <-admitted
	for want, fut := range map[int]*Future[int]{100: pending, 7: f} {
		if v, err := fut.Wait(context.Background()); v != want || err != nil {
			t.Fatal(v, err)
		}
		fut.Release()
	}
	if _, err := g.StopTimeout(-1); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, g); s.AdmissionWaits != 1 || s.Submitted != 3 || s.Completed != 3 || s.Rejected != 1 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	expectNoHandles(t)
}

func TestAdmissionTimeoutGivesErrFull(t *testing.T) {
	gt := newGate()
	g, pending := full(t, gt)
	wait := SubmitOptions{AdmitTimeout: 50 * time.Millisecond}
	fn := func() (int, error) { return 0, nil }
	if _, err := EnqueueWith(context.Background(), g, wait, fn); !errors.Is(err, ErrFull) ||
		errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	if err := SubmitFuncWith(g, wait, fn, func(int, error) { t.Error("called") }); !errors.Is(err, ErrFull) {
		t.Fatal(err)
	}
	// ctx's deadline bounds even a wait without limit.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := SubmitWith(ctx, g, SubmitOptions{AdmitTimeout: WaitForever}, fn)
	if !errors.Is(err, ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	if err := SubmitFuncWith(g, SubmitOptions{}, fn, func(int, error) { t.Error("called") }); !errors.Is(err, ErrFull) {
		t.Fatal("no wait:", err)
	}
	if s := stats(t, g); s.AdmissionWaits != 3 || s.Rejected != 5 || s.Submitted != 2 {
		t.Fatalf("%+v", s)
	}
	close(gt.open)
	if _, err := pending.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	pending.Release()
	g.Close()
	expectNoHandles(t)
}

// Close stops first: a submission waiting for room without limit gets
// ErrStopping instead of keeping Close waiting.
func TestCloseEndsAnAdmissionWait(t *testing.T) {
	gt := newGate()
	g, pending := full(t, gt)
	waited := make(chan error)
	go func() {
		waited <- SubmitFuncWith(g, SubmitOptions{AdmitTimeout: WaitForever},
			func() (int, error) { return 0, nil }, func(int, error) { t.Error("called") })
	}()
	waitForAdmissionWaits(t, g, 1)
	closed := make(chan error)
	go func() { closed <- g.Close() }()
	if err := <-waited; !errors.Is(err, ErrStopping) {
		t.Fatal(err)
	}
	close(gt.open) // the drain can finish
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if v, err := pending.Wait(context.Background()); v != 100 || err != nil {
		t.Fatal(v, err)
	}
	pending.Release()
	expectNoHandles(t)
}

func TestStopTimeoutDrainsInTime(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1000", "max_wait_seconds", "600")
	var sum atomic.Int64
	for i := 1; i <= 20; i++ {
		i := i
		if err := SubmitFunc(g, func() (int, error) { return i, nil }, func(v int, err error) {
			sum.Add(int64(v))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if drained, err := g.StopTimeout(time.Minute); !drained || err != nil {
		t.Fatal(drained, err)
	}
	if s := stats(t, g); s.Started || s.Completed != 20 || s.Cancelled != 0 || sum.Load() != 210 {
		t.Fatalf("%+v, sum %d", s, sum.Load())
	}
	if drained, err := g.StopTimeout(time.Second); !drained || err != nil { // already stopped
		t.Fatal(drained, err)
	}
	g.Close()
	if drained, err := g.StopTimeout(time.Second); drained || !errors.Is(err, ErrClosed) {
		t.Fatal(drained, err)
	}
	expectNoHandles(t)
}

func TestStopTimeoutCancelsWhatDidNotDrain(t *testing.T) {
	g := oneSlot(t)
	gt := newGate()
	blocked, err := Enqueue(g, gt.work)
	if err != nil {
		t.Fatal(err)
	}
	<-gt.entered
	var ran atomic.Int64
	pending, err := Enqueue(g, neverRuns(&ran))
	if err != nil {
		t.Fatal(err)
	}
	if drained, err := g.StopTimeout(50 * time.Millisecond); drained || err != nil {
		t.Fatal(drained, err)
	}
	for _, f := range []*Future[int]{blocked, pending} {
		if _, err := f.Wait(context.Background()); !errors.Is(err, ErrCanceled) {
			t.Fatal(err)
		}
		f.Release()
	}
	if s := stats(t, g); s.Started || s.Cancelled != 2 || s.Completed != 0 {
		t.Fatalf("%+v", s)
	}
	close(gt.open) // the cancelled work returns; its result is dropped
	if err := g.Start(); err != nil {
		t.Fatal("start again:", err)
	}
	if v, err := Submit(g, func() (int, error) { return 5, nil }); v != 5 || err != nil {
		t.Fatal(v, err)
	}
	g.Close()
	if ran.Load() != 0 {
		t.Fatal("the cancelled pending item ran")
	}
	expectNoHandles(t)
}

// On the loop thread (a SubmitFunc callback) nothing may wait.
func TestWaitsFromACallbackGiveErrWrongThread(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1")
	type answers struct{ stop, admit, plain error }
	got := make(chan answers, 1)
	if err := SubmitFunc(g, func() (int, error) { return 0, nil }, func(int, error) {
		var a answers
		_, a.stop = g.StopTimeout(time.Second)
		fn := func() (int, error) { return 0, nil }
		a.admit = SubmitFuncWith(g, SubmitOptions{AdmitTimeout: time.Second}, fn, func(int, error) {})
		a.plain = SubmitFuncWith(g, SubmitOptions{Deadline: time.Now().Add(time.Minute)}, fn, func(int, error) {})
		got <- a
	}); err != nil {
		t.Fatal(err)
	}
	a := <-got
	if !errors.Is(a.stop, ErrWrongThread) || !errors.Is(a.admit, ErrWrongThread) || a.plain != nil {
		t.Fatalf("%+v", a)
	}
	if drained, err := g.StopTimeout(-1); !drained || err != nil {
		t.Fatal(drained, err)
	}
	if s := stats(t, g); s.Submitted != 2 || s.Completed != 2 || s.Rejected != 1 || s.AdmissionWaits != 0 {
		t.Fatalf("%+v", s)
	}
	g.Close()
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
