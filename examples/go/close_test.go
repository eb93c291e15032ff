package workgrinder

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestUseAfterClose(t *testing.T) {
	g := newGrinder(t)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	fn := func() (int, error) { return 1, nil }
	_, errSubmit := Submit(g, fn)
	_, errEnqueue := Enqueue(g, fn)
	errFunc := SubmitFunc(g, fn, func(int, error) { t.Error("called after close") })
	_, errStats := g.Stats()
	doc, errJSON := g.StatsJSON()
	if doc != nil {
		t.Fatalf("StatsJSON after Close: %q", doc)
	}
	for i, err := range []error{errSubmit, errEnqueue, errFunc, errStats, errJSON, g.Start(), g.Stop(false)} {
		if !errors.Is(err, ErrClosed) || err.Error() != "workgrinder: grinder is closed" {
			t.Fatalf("call %d after Close: %v", i, err)
		}
		var e *Error
		if errors.As(err, &e) {
			t.Fatalf("call %d: ErrClosed must not look like a library status: %v", i, err)
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	expectNoHandles(t)
}

// Close races 8 submitting goroutines (run with -race): every submission is
// either accepted and gets its own value, or gets ErrClosed; nothing else.
func TestCloseRacesSubmissions(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "8", "max_wait_seconds", "0.001")
	var accepted, callbacks, refused atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{}, 8)
	for w := 0; w < 8; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if i == 20 {
					started <- struct{}{}
				}
				want := w*1_000_000 + i
				var err error
				if i%2 == 0 {
					var v int
					v, err = Submit(g, func() (int, error) { return want, nil })
					if err == nil && v != want {
						t.Errorf("got %d, want %d", v, want)
					}
				} else {
					err = SubmitFunc(g, func() (int, error) { return want, nil }, func(v int, err error) {
						if v != want || err != nil {
							t.Errorf("callback got %d %v, want %d", v, err, want)
						}
						callbacks.Add(1)
					})
					if err == nil {
						accepted.Add(1)
					}
				}
				if errors.Is(err, ErrClosed) {
					refused.Add(1)
					return
				}
				if err != nil {
					t.Errorf("submission failed with %v", err)
					return
				}
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-started
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if refused.Load() != 8 {
		t.Fatalf("%d goroutines saw ErrClosed, want 8", refused.Load())
	}
	if accepted.Load() != callbacks.Load() {
		t.Fatalf("%d callbacks accepted, %d called", accepted.Load(), callbacks.Load())
	}
	expectNoHandles(t)
}

// A work function that submits while Close drains gets ErrClosed (no
// deadlock between Close and the draining work).
func TestSubmitFromWorkDuringClose(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1")
	inWork := make(chan struct{})
	closing := make(chan struct{})
	afterClosedMark = func() { close(closing) }
	defer func() { afterClosedMark = nil }()
	f, err := Enqueue(g, func() (error, error) {
		close(inWork)
		<-closing // Close has marked the grinder closed and now drains this item
		_, err := Submit(g, func() (int, error) { return 0, nil })
		return err, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	<-inWork
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if inner, err := f.Wait(context.Background()); !errors.Is(inner, ErrClosed) || err != nil {
		t.Fatal(inner, err)
	}
	f.Release()
	expectNoHandles(t)
}

func TestEveryStatusMapsToItsError(t *testing.T) {
	codes := map[int]*Error{EINVAL: ErrInvalid, ENOTSTARTED: ErrNotStarted, ESTOPPING: ErrStopping,
		EWRONGTHREAD: ErrWrongThread, ECANCELED: ErrCanceled, ETIMEDOUT: ErrTimedOut, EFULL: ErrFull,
		ENOMEM: ErrNoMemory, EWORK: ErrWork, ELEASE: ErrLease, EUNAVAILABLE: ErrUnavailable,
		EALREADY: ErrAlready, ENOKEY: ErrNoKey}
	if len(codes) != 13 || len(Statuses) != 13 {
		t.Fatal("a status is missing from the table")
	}
	for code, want := range codes {
		err := StatusError(code)
		for _, other := range Statuses {
			if errors.Is(err, other) != (other == want) {
				t.Fatalf("StatusError(%d) = %v; errors.Is(%v) = %v", code, err, other, !(other == want))
			}
		}
		if errors.Is(err, ErrClosed) || err.Error() == "" {
			t.Fatal(code, err)
		}
	}
	if StatusError(OK) != nil {
		t.Fatal("OK is not an error")
	}
	if got := StatusError(ENOKEY).Error(); got != "WG_ENOKEY: unknown configuration key" {
		t.Fatal(got)
	}
}

// The statuses a user meets in practice come back as those errors.
func TestLibraryStatusesAsErrors(t *testing.T) {
	c := NewConf()
	defer c.Close()
	// An unknown key: WG_EINVAL from a library before WG_ENOKEY, WG_ENOKEY after.
	if err := c.Set("no_such_key", "1"); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNoKey) {
		t.Fatal(err)
	}
	g := newGrinder(t, "batch_size_threshold", "100", "max_wait_seconds", "600", "max_pending", "1")
	f, err := Enqueue(g, func() (int, error) { return 1, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Enqueue(g, func() (int, error) { return 2, nil }); !errors.Is(err, ErrFull) {
		t.Fatal("over max_pending:", err)
	}
	if !f.Cancel() {
		t.Fatal("not cancelled")
	}
	if _, err := f.Wait(context.Background()); !errors.Is(err, ErrCanceled) {
		t.Fatal(err)
	}
	f.Release()
	if err := g.Stop(false); err != nil {
		t.Fatal(err)
	}
	if _, err := Submit(g, func() (int, error) { return 1, nil }); !errors.Is(err, ErrNotStarted) {
		t.Fatal("after Stop:", err)
	}
	g.Close()
	expectNoHandles(t)
}

func TestSubmitContextCancelsTheItem(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "100", "max_wait_seconds", "600")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the item is pending (below the threshold) when the wait sees ctx ended
	_, err := SubmitContext(ctx, g, func() (int, error) { t.Error("ran"); return 0, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if s := stats(t, g); s.Pending != 0 || s.Cancelled != 1 || s.Submitted != 1 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	expectNoHandles(t)
}

func TestFutureAfterRelease(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1")
	f, err := Enqueue(g, func() (int, error) { return 7, nil })
	if err != nil {
		t.Fatal(err)
	}
	if v, err := f.Wait(context.Background()); v != 7 || err != nil {
		t.Fatal(v, err)
	}
	f.Release()
	f.Release()
	if _, err := f.Wait(context.Background()); !errors.Is(err, ErrReleased) {
		t.Fatal(err)
	}
	if f.Cancel() {
		t.Fatal("cancelled a released future")
	}
	g.Close()
	expectNoHandles(t)
}

// Close while another goroutine is inside a draining Stop whose work submits:
// no deadlock, the nested submission gets ErrClosed or its value.
func TestCloseDuringStopWithNestedSubmit(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1", "max_inflight_batches", "2")
	inWork, closing := make(chan struct{}), make(chan struct{})
	afterClosedMark = func() { close(closing) }
	defer func() { afterClosedMark = nil }()
	f, err := Enqueue(g, func() (error, error) {
		close(inWork)
		<-closing
		_, err := Enqueue(g, func() (int, error) { return 1, nil })
		return err, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	<-inWork
	stopped := make(chan error)
	go func() { stopped <- g.Stop(false) }()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if inner, err := f.Wait(context.Background()); !errors.Is(inner, ErrClosed) || err != nil {
		t.Fatal(inner, err)
	}
	f.Release()
	expectNoHandles(t)
}
