// Waiting for room under max_pending (SubmitOptions.AdmitTimeout), and
// Close ending such a wait.
package workgrinder

import (
	"context"
	"errors"
	"testing"
	"time"
)

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
// ErrClosed instead of keeping Close waiting.
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
	if err := <-waited; !errors.Is(err, ErrClosed) {
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
