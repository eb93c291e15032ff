package workgrinder

// The job registry and the bulk delivery of ready futures: items cancelled
// between their start and their job's lookup, many futures at once, and
// Close with futures outstanding.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pauseFirstLookup makes the first job lookup of a starting item wait until
// the test lets it go; it returns when that lookup began.
func pauseFirstLookup(t *testing.T) (entered <-chan struct{}, proceed chan<- struct{}) {
	in, out := make(chan struct{}), make(chan struct{})
	var once sync.Once
	beforeStartLookup = func(uintptr) {
		once.Do(func() {
			close(in)
			<-out
		})
	}
	t.Cleanup(func() { beforeStartLookup = nil })
	return in, out
}

// expectReadyStopped checks, right after the last Close, that no entry is
// left and that the goroutine delivering ready futures has returned.
func expectReadyStopped(t *testing.T) {
	t.Helper()
	if n := LiveHandles(); n != 0 {
		t.Fatalf("%d registry entries left after Close", n)
	}
	readyMu.Lock()
	users, stopped := readyUsers, readyStopped
	readyMu.Unlock()
	if users != 0 {
		t.Fatalf("%d grinders still hold the ready taker", users)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("the ready taker still runs after the last Close")
	}
}

func TestWorkCancelledWhileStartingDoesNotRun(t *testing.T) {
	entered, proceed := pauseFirstLookup(t)
	g := newGrinder(t, "batch_size_threshold", "1")
	var ran atomic.Int64
	f, err := Enqueue(g, func() (int, error) { ran.Add(1); return 1, nil })
	if err != nil {
		t.Fatal(err)
	}
	<-entered // the worker has started the item
	if !f.Cancel() {
		t.Fatal("a started item must still be cancellable before its work runs")
	}
	<-f.Done() // delivered: the job's entry is gone before the lookup
	close(proceed)
	if err := g.Stop(false); err != nil { // drains: the worker has returned
		t.Fatal(err)
	}
	if _, err := f.Wait(context.Background()); !errors.Is(err, ErrCanceled) {
		t.Fatalf("want ErrCanceled, got %v", err)
	}
	s := stats(t, g)
	if ran.Load() != 0 || s.Cancelled != 1 || s.Completed != 0 || s.Failed != 0 {
		t.Fatalf("ran %d, stats %+v", ran.Load(), s)
	}
	f.Release()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	expectReadyStopped(t)
}

func TestBatchItemCancelledWhileStartingIsLeftOut(t *testing.T) {
	entered, proceed := pauseFirstLookup(t)
	c := newConf(t, "batch_size_threshold", "2", "max_wait_seconds", "600")
	defer c.Close()
	var calls [][]int
	g, err := NewBatchGrinder(c, func(items []BatchItem[int, int]) {
		var args []int
		for _, it := range items {
			args = append(args, it.Arg())
			_ = it.Set(it.Arg() * 10)
		}
		calls = append(calls, args)
	})
	if err != nil {
		t.Fatal(err)
	}
	f0, err0 := g.Enqueue(1)
	f1, err1 := g.Enqueue(2)
	if err0 != nil || err1 != nil {
		t.Fatal(err0, err1)
	}
	<-entered // the batch call has begun: the lookup of its first item waits
	if !f0.Cancel() {
		t.Fatal("not cancelled")
	}
	<-f0.Done()
	close(proceed)
	if v, err := f1.Wait(context.Background()); v != 20 || err != nil {
		t.Fatalf("kept item: %v, %v", v, err)
	}
	if _, err := f0.Wait(context.Background()); !errors.Is(err, ErrCanceled) {
		t.Fatalf("want ErrCanceled, got %v", err)
	}
	f0.Release()
	f1.Release()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || len(calls[0]) != 1 || calls[0][0] != 2 {
		t.Fatalf("handler calls %v, want [[2]]", calls)
	}
	expectReadyStopped(t)
}

// 16 goroutines enqueue 500 items each on two grinders at once; every future
// resolves exactly once (a second close of its channel would panic) with its
// own value, and nothing is left once both are closed.
func TestManyFuturesResolveOnceWithTheirValues(t *testing.T) {
	grinders := []*Grinder{
		newGrinder(t, "batch_size_threshold", "32", "max_wait_seconds", "0.001"),
		newGrinder(t, "batch_size_threshold", "1"),
	}
	const goroutines, each = 16, 500
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for w := 0; w < goroutines; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := grinders[w%len(grinders)]
			fs := make([]*Future[int], each)
			for i := range fs {
				want := w*each + i
				f, err := Enqueue(g, func() (int, error) { return want, nil })
				if err != nil {
					errs <- err
					return
				}
				fs[i] = f
			}
			for i, f := range fs {
				v, err := f.Wait(context.Background())
				if err != nil || v != w*each+i {
					errs <- errors.New("wrong outcome")
					return
				}
				f.Release()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var completed uint64
	for _, g := range grinders {
		completed += stats(t, g).Completed
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if completed != goroutines*each {
		t.Fatalf("completed %d, want %d", completed, goroutines*each)
	}
	expectReadyStopped(t)
}

// Close drains: every outstanding future is resolved, and its channel
// closed, by the time Close returns, without anyone waiting for it, even
// while another grinder keeps the ready taker running.
func TestCloseResolvesOutstandingFutures(t *testing.T) {
	other := newGrinder(t)
	g := newGrinder(t, "batch_size_threshold", "1000", "max_wait_seconds", "600")
	const n = 200
	fs := make([]*Future[int], n)
	for i := range fs {
		i := i
		f, err := Enqueue(g, func() (int, error) { return i, nil })
		if err != nil {
			t.Fatal(err)
		}
		fs[i] = f
	}
	cancelled := fs[7].Cancel()
	if !cancelled {
		t.Fatal("a pending item must be cancellable")
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if n := LiveHandles(); n != 0 {
		t.Fatalf("%d registry entries left after Close", n)
	}
	for i, f := range fs {
		select {
		case <-f.Done():
		default:
			t.Fatalf("future %d not resolved when Close returned", i)
		}
		v, err := f.Wait(context.Background())
		if i == 7 {
			if !errors.Is(err, ErrCanceled) {
				t.Fatalf("future 7: %v", err)
			}
		} else if err != nil || v != i {
			t.Fatalf("future %d: %v, %v", i, v, err)
		}
		f.Release()
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	expectReadyStopped(t)
	// A grinder made after the last Close starts the taker again.
	g2 := newGrinder(t, "batch_size_threshold", "1")
	if v, err := Submit(g2, func() (int, error) { return 5, nil }); v != 5 || err != nil {
		t.Fatal(v, err)
	}
	if err := g2.Close(); err != nil {
		t.Fatal(err)
	}
	expectReadyStopped(t)
}

// Submit with a context that cannot be cancelled takes no future: the
// status comes through the ready queue with the job's id. Every kind of
// outcome still reaches its caller.
func TestSubmitWithoutFutureGetsEveryOutcome(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1")
	failure := errors.New("failure")
	if v, err := Submit(g, func() (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Fatalf("value: %v, %v", v, err)
	}
	if _, err := Submit(g, func() (int, error) { return 0, failure }); !errors.Is(err, failure) {
		t.Fatalf("work error: %v", err)
	}
	var perr *PanicError
	if _, err := Submit(g, func() (int, error) { panic("boom") }); !errors.As(err, &perr) || perr.Value != "boom" {
		t.Fatalf("panic: %v", err)
	}
	var ran atomic.Int64
	past := SubmitOptions{Deadline: time.Now().Add(-time.Second)}
	if _, err := SubmitWith(context.Background(), g, past, func() (int, error) { ran.Add(1); return 1, nil }); !errors.Is(err, ErrTimedOut) || ran.Load() != 0 {
		t.Fatalf("deadline past: %v, ran %d", err, ran.Load())
	}
	c := newConf(t, "batch_size_threshold", "1")
	defer c.Close()
	b, err := NewBatchGrinder(c, func(items []BatchItem[int, int]) {
		for _, it := range items {
			if it.Arg() == 3 {
				_ = it.FailCode(3)
			} else {
				_ = it.Set(it.Arg() * 10)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := b.Submit(1); v != 10 || err != nil {
		t.Fatalf("batch value: %v, %v", v, err)
	}
	var werr *WorkError
	if _, err := b.Submit(3); !errors.As(err, &werr) || werr.Code != 3 {
		t.Fatalf("batch FailCode: %v", err)
	}
	s := stats(t, g)
	if s.Completed != 1 || s.Failed != 3 || s.Expired != 1 {
		t.Fatalf("stats %+v", s)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	expectReadyStopped(t)
}
