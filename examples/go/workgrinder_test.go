package workgrinder

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

func newGrinder(t *testing.T, kv ...string) *Grinder {
	t.Helper()
	c := NewConf()
	defer c.Close()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	g, err := NewGrinder(c)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func stats(t *testing.T, g *Grinder) Stats {
	t.Helper()
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every handle a test created is deleted exactly once by the time its
// grinder is closed and its work has returned.
func expectNoHandles(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for LiveHandles() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := LiveHandles(); n != 0 {
		t.Fatalf("%d handles not deleted", n)
	}
}

func TestThresholdFlush(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "4", "max_wait_seconds", "600")
	var fs []*Future[int]
	for i := 0; i < 3; i++ {
		i := i
		f, err := Enqueue(g, func() (int, error) { return i, nil })
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	if _, err := fs[0].Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("flushed below the threshold: %v", err)
	}
	cancel()
	if v, err := Submit(g, func() (int, error) { return 3, nil }); err != nil || v != 3 {
		t.Fatal(v, err)
	}
	sum := 0
	for _, f := range fs {
		v, err := f.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sum += v
		f.Release()
	}
	if sum != 3 || stats(t, g).Batches != 1 {
		t.Fatalf("sum %d, batches %d", sum, stats(t, g).Batches)
	}
	g.Close()
	expectNoHandles(t)
}

func TestTimerFlush(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1000", "max_wait_seconds", "0.05")
	t0 := time.Now()
	ran, err := Submit(g, func() (time.Time, error) { return time.Now(), nil })
	if err != nil {
		t.Fatal(err)
	}
	if d := ran.Sub(t0); d < 50*time.Millisecond || d > time.Second {
		t.Fatalf("flushed after %v", d)
	}
	g.Close()
	expectNoHandles(t)
}

func TestErrorsAndPanicsStayWithTheirCaller(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "3", "max_wait_seconds", "600")
	boom := errors.New("boom")
	ok, _ := Enqueue(g, func() (int, error) { return 1, nil })
	bad, _ := Enqueue(g, func() (int, error) { return 0, boom })
	pan, _ := Enqueue(g, func() (int, error) { panic("oops") })
	if v, err := ok.Wait(context.Background()); v != 1 || err != nil {
		t.Fatal(v, err)
	}
	if _, err := bad.Wait(context.Background()); err != boom {
		t.Fatal(err)
	}
	var p *PanicError
	if _, err := pan.Wait(context.Background()); !errors.As(err, &p) || p.Value != "oops" {
		t.Fatal(err)
	}
	for _, f := range []*Future[int]{ok, bad, pan} {
		f.Release()
	}
	if s := stats(t, g); s.Completed != 1 || s.Failed != 2 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	expectNoHandles(t)
}

func TestCancelPendingItem(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "100", "max_wait_seconds", "600")
	var ran sync.WaitGroup
	var fs []*Future[int]
	for i := 0; i < 3; i++ {
		i := i
		ran.Add(1)
		f, _ := Enqueue(g, func() (int, error) { ran.Done(); return i, nil })
		fs = append(fs, f)
	}
	if stats(t, g).Pending != 3 {
		t.Fatal(stats(t, g).Pending)
	}
	if !fs[1].Cancel() {
		t.Fatal("not cancelled")
	}
	ran.Done()
	if stats(t, g).Pending != 2 {
		t.Fatal(stats(t, g).Pending)
	}
	if _, err := fs[1].Wait(context.Background()); !errors.Is(err, ErrCanceled) {
		t.Fatal(err)
	}
	select {
	case <-fs[0].Done():
		t.Fatal("others must stay pending")
	default:
	}
	if err := g.Stop(false); err != nil {
		t.Fatal(err)
	}
	ran.Wait()
	for _, f := range fs {
		f.Release()
	}
	g.Close()
	expectNoHandles(t)
}

func TestDrainAndCancelStops(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "1000", "max_wait_seconds", "600")
	var fs []*Future[int]
	for i := 0; i < 20; i++ {
		i := i
		f, _ := Enqueue(g, func() (int, error) { return i, nil })
		fs = append(fs, f)
	}
	if err := g.Stop(false); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, f := range fs {
		v, err := f.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sum += v
		f.Release()
	}
	if sum != 190 {
		t.Fatal(sum)
	}
	g.Close()
	g = newGrinder(t, "batch_size_threshold", "1", "max_inflight_batches", "1")
	release := make(chan struct{})
	started := make(chan struct{})
	blocked, _ := Enqueue(g, func() (int, error) { close(started); <-release; return 1, nil })
	<-started
	queued, _ := Enqueue(g, func() (int, error) { return 2, nil })
	t0 := time.Now()
	if err := g.Stop(true); err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) > time.Second {
		t.Fatal("cancel stop was slow")
	}
	for _, f := range []*Future[int]{blocked, queued} {
		if _, err := f.Wait(context.Background()); !errors.Is(err, ErrCanceled) {
			t.Fatal(err)
		}
		f.Release()
	}
	close(release)
	g.Close()
	expectNoHandles(t)
}

func TestManyGoroutines(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "32", "max_wait_seconds", "0.001")
	var wg sync.WaitGroup
	sums := make([]int, 16)
	for w := 0; w < 16; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				v, err := Submit(g, func() (int, error) { return w*300 + i, nil })
				if err != nil {
					t.Error(err)
					return
				}
				sums[w] += v
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	if total != 4800*4799/2 || stats(t, g).Completed != 4800 {
		t.Fatal(total, stats(t, g).Completed)
	}
	g.Close()
	expectNoHandles(t)
}

func TestCallbackAndStats(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "2", "max_wait_seconds", "600", "lease_seconds", "30")
	results := make(chan int, 2)
	for i := 1; i <= 2; i++ {
		i := i
		if err := SubmitFunc(g, func() (int, error) { return i, nil }, func(v int, err error) { results <- v }); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := <-results, <-results; a+b != 3 {
		t.Fatal(a, b)
	}
	s := stats(t, g)
	if !s.Started || s.BatchSizeThreshold != 2 || s.LeaseSeconds != 30 || s.Submitted != 2 {
		t.Fatalf("%+v", s)
	}
	g.Close()
	expectNoHandles(t)
}

// Batches may take more than the threshold (the items pending when the loop
// looks): a short max wait flushes what is left, so only totals are exact.
func TestStatsJSON(t *testing.T) {
	g := newGrinder(t, "batch_size_threshold", "4", "max_wait_seconds", "0.002")
	var fs []*Future[int]
	for i := 0; i < 8; i++ {
		i := i
		f, err := Enqueue(g, func() (int, error) { return i, nil })
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		if _, err := f.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := g.StatsJSON()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Stats struct {
			Submitted, Completed, Batches uint64
			BatchSizeThreshold            uint64 `json:"batch_size_threshold"`
		}
		Histograms struct {
			BatchSize struct{ Count, Sum uint64 } `json:"batch_size"`
		}
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	s, h := v.Stats, v.Histograms.BatchSize
	if s.Submitted != 8 || s.Completed != 8 || s.BatchSizeThreshold != 4 || h.Sum != 8 || h.Count != s.Batches {
		t.Fatalf("%+v: %s", v, doc)
	}
	g.Close()
	expectNoHandles(t)
}

func TestBadConfiguration(t *testing.T) {
	c := NewConf()
	defer c.Close()
	err := c.Set("max_wait_seconds", "nan")
	var e *Error
	if !errors.As(err, &e) || e.Status != EINVAL || e.Message != "max_wait_seconds must be a finite number > 0" {
		t.Fatal(err)
	}
}
