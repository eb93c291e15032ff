// Package workgrinder wraps libworkgrinder: submit functions from many
// goroutines; they run in batches on leased worker threads, and each caller
// gets its own result.
package workgrinder

/*
#cgo pkg-config: workgrinder
#include <stdint.h>
#include <stdlib.h>
#include <workgrinder/workgrinder.h>

int wg_go_enqueue(wg_grinder_t *g, uintptr_t job, uintptr_t notify, wg_future_t **out);
int wg_go_submit(wg_grinder_t *g, uintptr_t job);
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Status codes (WG_*).
const (
	OK           = int(C.WG_OK)
	EINVAL       = int(C.WG_EINVAL)
	ENOTSTARTED  = int(C.WG_ENOTSTARTED)
	ESTOPPING    = int(C.WG_ESTOPPING)
	EWRONGTHREAD = int(C.WG_EWRONGTHREAD)
	ECANCELED    = int(C.WG_ECANCELED)
	ETIMEDOUT    = int(C.WG_ETIMEDOUT)
	EFULL        = int(C.WG_EFULL)
	ENOMEM       = int(C.WG_ENOMEM)
	EWORK        = int(C.WG_EWORK)
	ELEASE       = int(C.WG_ELEASE)
	ENOKEY       = int(C.WG_ENOKEY)
)

// Error is a library status with its message.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string {
	return C.GoString(C.wg_err_name(C.int(e.Status))) + ": " + e.Message
}

// Is makes errors.Is(err, &Error{Status: ECANCELED}) work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// ErrCanceled matches a cancelled item with errors.Is.
var ErrCanceled = &Error{Status: ECANCELED}

func statusError(rc C.int) error {
	if rc == C.WG_OK {
		return nil
	}
	return &Error{Status: int(rc), Message: C.GoString(C.wg_strerror(rc))}
}

var liveHandles atomic.Int64

func newHandle(v any) cgo.Handle {
	liveHandles.Add(1)
	return cgo.NewHandle(v)
}

func deleteHandle(h cgo.Handle) {
	h.Delete()
	liveHandles.Add(-1)
}

// LiveHandles counts the handles not yet deleted (for tests).
func LiveHandles() int64 { return liveHandles.Load() }

// job is one submitted function; its result is guarded by mu because the
// library's own synchronization is invisible to the Go race detector.
type job struct {
	fn   func() (any, error)
	done func(any, error)
	mu   sync.Mutex
	val  any
	err  error
}

func (j *job) finish(v any, err error) {
	j.mu.Lock()
	j.val, j.err = v, err
	j.mu.Unlock()
}

func (j *job) result(status int) (any, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch status {
	case OK:
		return j.val, nil
	case EWORK:
		return nil, j.err
	default:
		return nil, statusError(C.int(status))
	}
}

// Conf holds configuration keys; see the README for every key and rule.
type Conf struct{ c *C.wg_conf_t }

func NewConf() *Conf {
	c := &Conf{C.wg_conf_new()}
	runtime.SetFinalizer(c, (*Conf).Close)
	return c
}

// Set sets one key; a bad value gives an *Error with the library's message.
func (c *Conf) Set(key, value string) error {
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	var buf [256]C.char
	rc := C.wg_conf_set(c.c, k, v, &buf[0], C.size_t(len(buf)))
	if rc != C.WG_OK {
		return &Error{Status: int(rc), Message: C.GoString(&buf[0])}
	}
	return nil
}

func (c *Conf) Close() {
	if c.c != nil {
		C.wg_conf_destroy(c.c)
		c.c = nil
	}
}

// Grinder batches submitted functions onto leased worker threads. Safe for
// use by many goroutines.
type Grinder struct{ g *C.wg_grinder_t }

// NewGrinder creates and starts a grinder with a private manager.
func NewGrinder(conf *Conf) (*Grinder, error) {
	var g *C.wg_grinder_t
	var buf [256]C.char
	rc := C.wg_create(&g, conf.c, nil, &buf[0], C.size_t(len(buf)))
	if rc != C.WG_OK {
		return nil, &Error{Status: int(rc), Message: C.GoString(&buf[0])}
	}
	if rc := C.wg_start(g); rc != C.WG_OK {
		C.wg_destroy(g)
		return nil, statusError(rc)
	}
	return &Grinder{g}, nil
}

// Start starts a stopped grinder again.
func (g *Grinder) Start() error { return statusError(C.wg_start(g.g)) }

// Stop drains (cancel false) or cancels (cancel true) and waits until stopped.
func (g *Grinder) Stop(cancel bool) error {
	c := C.int(0)
	if cancel {
		c = 1
	}
	return statusError(C.wg_stop(g.g, c))
}

// Close drains and frees the grinder.
func (g *Grinder) Close() error {
	if g.g == nil {
		return nil
	}
	rc := C.wg_destroy(g.g)
	g.g = nil
	return statusError(rc)
}

// Stats is a snapshot of the grinder's counters.
type Stats struct {
	Started, Stopping                                 bool
	Pending, BatchSizeThreshold                       uint64
	MaxWaitSeconds, LeaseSeconds, OldestWaitSeconds   float64
	Submitted, Completed, Failed, Cancelled, Rejected uint64
	Batches, InflightItems, InflightBatches           uint64
}

func (g *Grinder) Stats() Stats {
	s := C.wg_stats_t{version: C.WG_STATS_VERSION}
	C.wg_stats(g.g, &s)
	return Stats{
		Started: s.started != 0, Stopping: s.stopping != 0,
		Pending: uint64(s.pending), BatchSizeThreshold: uint64(s.batch_size_threshold),
		MaxWaitSeconds: float64(s.max_wait_seconds), LeaseSeconds: float64(s.lease_seconds),
		OldestWaitSeconds: float64(s.oldest_wait_seconds),
		Submitted:         uint64(s.submitted), Completed: uint64(s.completed), Failed: uint64(s.failed),
		Cancelled: uint64(s.cancelled), Rejected: uint64(s.rejected), Batches: uint64(s.batches),
		InflightItems: uint64(s.inflight_items), InflightBatches: uint64(s.inflight_batches),
	}
}

// Future is the pending result of Enqueue.
type Future[T any] struct {
	f     *C.wg_future_t
	j     *job
	ready chan struct{}
	once  sync.Once
}

// Enqueue submits fn; the Future waits for, or cancels, its result.
func Enqueue[T any](g *Grinder, fn func() (T, error)) (*Future[T], error) {
	j := &job{fn: func() (any, error) { return fn() }}
	ready := make(chan struct{})
	jh, nh := newHandle(j), newHandle(ready)
	var f *C.wg_future_t
	if rc := C.wg_go_enqueue(g.g, C.uintptr_t(jh), C.uintptr_t(nh), &f); rc != C.WG_OK {
		deleteHandle(jh) // refused: nothing was taken over
		deleteHandle(nh)
		return nil, statusError(rc)
	}
	fut := &Future[T]{f: f, j: j, ready: ready}
	runtime.SetFinalizer(fut, (*Future[T]).Release)
	return fut, nil
}

// Done is closed once the result is there.
func (f *Future[T]) Done() <-chan struct{} { return f.ready }

// Wait returns the function's result, its error (a *PanicError if it
// panicked), an *Error for a library outcome such as ErrCanceled, or ctx's
// error if ctx ends first.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	var zero T
	select {
	case <-f.ready:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	var o C.wg_outcome_t
	if rc := C.wg_future_wait(f.f, 0, &o); rc != C.WG_OK {
		return zero, statusError(rc)
	}
	v, err := f.j.result(int(o.status))
	if err != nil {
		return zero, err
	}
	t, _ := v.(T)
	return t, nil
}

// Cancel cancels the item; true if it became cancelled.
func (f *Future[T]) Cancel() bool { return C.wg_future_cancel(f.f) == C.WG_OK }

// Release gives up the future (the work still runs); idempotent.
func (f *Future[T]) Release() {
	f.once.Do(func() { C.wg_future_release(f.f) })
}

// Submit runs fn and waits for its result.
func Submit[T any](g *Grinder, fn func() (T, error)) (T, error) {
	f, err := Enqueue(g, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Release()
	return f.Wait(context.Background())
}

// SubmitFunc runs fn and calls done with its result on the grinder's loop
// thread; done must not block.
func SubmitFunc[T any](g *Grinder, fn func() (T, error), done func(T, error)) error {
	j := &job{fn: func() (any, error) { return fn() }}
	j.done = func(v any, err error) {
		var t T
		if err == nil {
			t, _ = v.(T)
		}
		done(t, err)
	}
	h := newHandle(j)
	if rc := C.wg_go_submit(g.g, C.uintptr_t(h)); rc != C.WG_OK {
		deleteHandle(h)
		return statusError(rc)
	}
	return nil
}
