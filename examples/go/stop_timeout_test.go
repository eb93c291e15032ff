// StopTimeout both ways, and waits refused on the loop thread.
package workgrinder

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

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
