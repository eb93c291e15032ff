package workgrinder

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newConf(t *testing.T, kv ...string) *Conf {
	t.Helper()
	c := NewConf()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// lockThread keeps the test's goroutine on one OS thread, whose items the
// library keeps in submission order (a goroutine may otherwise move between
// threads from one submission to the next).
func lockThread(t *testing.T) {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

func TestBatchOneCallPerBatchInOrder(t *testing.T) {
	lockThread(t)
	c := newConf(t, "batch_size_threshold", "4", "max_batch_size", "4", "max_wait_seconds", "600")
	var calls [][]int // only the handler appends; read after Close
	g, err := NewBatchGrinder(c, func(items []BatchItem[int, string]) {
		var args []int
		for _, it := range items {
			args = append(args, it.Arg())
			if err := it.Set(string(rune('a' + it.Arg()))); err != nil {
				t.Error(err)
			}
		}
		calls = append(calls, args)
	})
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Four at a time: had all eight been queued at once, the rest of a cut
	// batch could go before the items after it arrived (a batch of two,
	// the last two then waiting for the 600 s timer).
	for first := 0; first < 8; first += 4 {
		var fs []*Future[string]
		for i := first; i < first+4; i++ {
			f, err := g.Enqueue(i)
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
		for i, f := range fs {
			if v, err := f.Wait(context.Background()); err != nil || v != string(rune('a'+first+i)) {
				t.Fatalf("item %d: %q %v", first+i, v, err)
			}
			f.Release()
		}
	}
	if s := stats(t, g.Grinder); s.Batches != 2 || s.Completed != 8 {
		t.Fatalf("stats %+v", s)
	}
	g.Close()
	if len(calls) != 2 || len(calls[0]) != 4 || calls[0][0] != 0 || calls[0][3] != 3 || calls[1][0] != 4 || calls[1][3] != 7 {
		t.Fatalf("calls %v", calls)
	}
	expectNoHandles(t)
}

func TestBatchSetFailAndUnset(t *testing.T) {
	lockThread(t)
	c := newConf(t, "batch_size_threshold", "4", "max_batch_size", "4", "max_wait_seconds", "600")
	defer c.Close()
	mine := errors.New("item 2's own error")
	var answers []error // the handler's, read after Close
	var kept BatchItem[int, int]
	g, err := NewBatchGrinder(c, func(items []BatchItem[int, int]) {
		kept = items[3]
		answers = append(answers, items[0].Set(10), items[0].Set(11), items[1].FailCode(0), items[1].FailCode(7),
			items[2].Fail(nil), items[2].Fail(mine))
		// items[3] stays unset: the handler returns, so it gets 0 and no error
	})
	if err != nil {
		t.Fatal(err)
	}
	var fs []*Future[int]
	for i := 0; i < 4; i++ {
		f, err := g.Enqueue(i)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	ctx := context.Background()
	if v, err := fs[0].Wait(ctx); v != 10 || err != nil {
		t.Fatal(v, err)
	}
	var we *WorkError
	if _, err := fs[1].Wait(ctx); !errors.As(err, &we) || we.Code != 7 || !errors.Is(err, ErrWork) {
		t.Fatal(err)
	}
	if _, err := fs[2].Wait(ctx); err != mine {
		t.Fatal(err)
	}
	if v, err := fs[3].Wait(ctx); v != 0 || err != nil {
		t.Fatal(v, err)
	}
	for _, f := range fs {
		f.Release()
	}
	if s := stats(t, g.Grinder); s.Completed != 2 || s.Failed != 2 || s.Batches != 1 {
		t.Fatalf("stats %+v", s)
	}
	g.Close()
	if err := kept.Set(1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an item used after its call: %v", err)
	}
	want := []error{nil, ErrAlready, ErrInvalid, nil, ErrInvalid, nil}
	for i := range want {
		if !errors.Is(answers[i], want[i]) || (want[i] == nil) != (answers[i] == nil) {
			t.Fatalf("answer %d: %v, want %v", i, answers[i], want[i])
		}
	}
	expectNoHandles(t)
}

func TestBatchPanicFailsEveryUnsetItem(t *testing.T) {
	lockThread(t)
	c := newConf(t, "batch_size_threshold", "3", "max_wait_seconds", "600")
	defer c.Close()
	g, err := NewBatchGrinder(c, func(items []BatchItem[string, string]) {
		items[1].Set(items[1].Arg() + "!")
		panic("commit failed")
	})
	if err != nil {
		t.Fatal(err)
	}
	results := make([]struct {
		v   string
		err error
	}, 3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(3)
	for i, arg := range []string{"a", "b", "c"} {
		i := i
		if err := g.SubmitFunc(arg, func(v string, err error) {
			mu.Lock()
			results[i].v, results[i].err = v, err
			mu.Unlock()
			wg.Done()
		}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	var pe *PanicError
	if results[1].v != "b!" || results[1].err != nil {
		t.Fatal(results[1])
	}
	for _, i := range []int{0, 2} {
		if !errors.As(results[i].err, &pe) || pe.Value != "commit failed" {
			t.Fatalf("item %d: %v", i, results[i].err)
		}
	}
	g.Close()
	expectNoHandles(t)
}

func TestBatchCancelledItemsAndSetAfterCancel(t *testing.T) {
	lockThread(t)
	c := newConf(t, "batch_size_threshold", "100", "max_wait_seconds", "600")
	defer c.Close()
	inside, resume := make(chan struct{}), make(chan struct{})
	var seen []int
	var lateSet error
	g, err := NewBatchGrinder(c, func(items []BatchItem[int, int]) {
		for _, it := range items {
			seen = append(seen, it.Arg())
		}
		close(inside)
		<-resume // the test cancels the last item meanwhile
		lateSet = items[len(items)-1].Set(1)
	})
	if err != nil {
		t.Fatal(err)
	}
	var fs []*Future[int]
	for i := 0; i < 4; i++ {
		f, err := g.Enqueue(i)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	if !fs[1].Cancel() { // before the call: left out of the batch
		t.Fatal("not cancelled")
	}
	stopped := make(chan error)
	go func() { stopped <- g.Stop(false) }() // drains: the batch runs now
	<-inside
	if !fs[3].Cancel() {
		t.Fatal("not cancelled during the call")
	}
	close(resume)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		_, err := f.Wait(context.Background())
		if (i == 1 || i == 3) != errors.Is(err, ErrCanceled) {
			t.Fatalf("item %d: %v", i, err)
		}
		f.Release()
	}
	g.Close()
	if len(seen) != 3 || seen[0] != 0 || seen[1] != 2 || seen[2] != 3 || !errors.Is(lateSet, ErrCanceled) {
		t.Fatalf("seen %v, late set %v", seen, lateSet)
	}
	expectNoHandles(t)
}

func TestBatchOrderPerGoroutineAndUseAfterClose(t *testing.T) {
	c := newConf(t, "batch_size_threshold", "16", "max_wait_seconds", "0.002")
	defer c.Close()
	type ev struct{ producer, seq int }
	var outOfOrder, calls atomic.Int64
	g, err := NewBatchGrinder(c, func(items []BatchItem[ev, int]) {
		calls.Add(1)
		last := map[int]int{}
		for _, it := range items {
			a := it.Arg()
			if s, ok := last[a.producer]; ok && s >= a.seq {
				outOfOrder.Add(1)
			}
			last[a.producer] = a.seq
			it.Set(a.producer*1000 + a.seq)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := 0; p < 6; p++ {
		p := p
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The library keeps each OS thread's order; a goroutine keeps one thread.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var fs []*Future[int]
			for i := 0; i < 100; i++ {
				f, err := g.Enqueue(ev{p, i})
				if err != nil {
					t.Error(err)
					return
				}
				fs = append(fs, f)
			}
			for i, f := range fs {
				if v, err := f.Wait(context.Background()); err != nil || v != p*1000+i {
					t.Error(v, err)
				}
				f.Release()
			}
		}()
	}
	wg.Wait()
	if v, err := g.Submit(ev{9, 9}); err != nil || v != 9009 {
		t.Fatal(v, err)
	}
	if s := stats(t, g.Grinder); s.Completed != 601 || uint64(calls.Load()) != s.Batches || outOfOrder.Load() != 0 {
		t.Fatalf("stats %+v, calls %d, out of order %d", s, calls.Load(), outOfOrder.Load())
	}
	doc, err := g.StatsJSON() // the Grinder's
	var v struct {
		Stats      struct{ Submitted uint64 }
		Histograms struct {
			BatchSize struct{ Count, Sum uint64 } `json:"batch_size"`
		}
	}
	if err != nil || json.Unmarshal(doc, &v) != nil || v.Stats.Submitted != 601 ||
		v.Histograms.BatchSize.Sum != 601 || v.Histograms.BatchSize.Count != uint64(calls.Load()) {
		t.Fatalf("%v %+v: %s", err, v, doc)
	}
	g.Close()
	if _, err := g.StatsJSON(); err != ErrClosed {
		t.Fatal(err)
	}
	if _, err := g.Submit(ev{}); err != ErrClosed {
		t.Fatal(err)
	}
	if _, err := g.Enqueue(ev{}); err != ErrClosed {
		t.Fatal(err)
	}
	if err := g.SubmitFunc(ev{}, func(int, error) {}); err != ErrClosed {
		t.Fatal(err)
	}
	expectNoHandles(t)
}

func TestWorkerHooksOncePerThread(t *testing.T) {
	c := newConf(t, "batch_size_threshold", "1", "max_wait_seconds", "600", "workers_per_pool", "3")
	var started, stopped atomic.Int64
	c.WorkerHooks(func() { started.Add(1) }, func() { stopped.Add(1) })
	g, err := NewGrinder(c)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := Submit(g, func() (int, error) { return i, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	// A worker that drops its executor's last reference exits detached, so
	// its onStop may trail Close by a moment: bounded wait, exact check.
	deadline := time.Now().Add(10 * time.Second)
	for stopped.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if started.Load() != 3 || stopped.Load() != 3 {
		t.Fatalf("started %d, stopped %d", started.Load(), stopped.Load())
	}
	expectNoHandles(t)
}
