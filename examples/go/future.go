package workgrinder

/*
#include <stdint.h>
#include <workgrinder/workgrinder.h>

int wg_go_enqueue(wg_grinder_t *g, uintptr_t job, uintptr_t notify, wg_future_t **out);
int wg_go_submit(wg_grinder_t *g, uintptr_t job);
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

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
		return nil, StatusError(status)
	}
}

// Future is the pending result of Enqueue. Its methods are safe for
// concurrent use and stay valid after the grinder is closed; after Release,
// Wait returns ErrReleased and Cancel false.
//
// Thread rules: f is used under mu held shared while released is false;
// Release sets released and frees f under mu held exclusively.
type Future[T any] struct {
	mu       sync.RWMutex
	released bool
	f        *C.wg_future_t
	j        *job
	ready    chan struct{}
}

// ErrReleased is Wait's error after Release.
var ErrReleased = errors.New("workgrinder: future released")

// Enqueue submits fn; the Future waits for, or cancels, its result.
func Enqueue[T any](g *Grinder, fn func() (T, error)) (*Future[T], error) {
	j := &job{fn: func() (any, error) { return fn() }}
	ready := make(chan struct{})
	jh, nh := newHandle(j), newHandle(ready)
	var f *C.wg_future_t
	err := g.use(func(p *C.wg_grinder_t) C.int {
		return C.wg_go_enqueue(p, C.uintptr_t(jh), C.uintptr_t(nh), &f)
	})
	if err != nil {
		deleteHandle(jh) // refused: nothing was taken over
		deleteHandle(nh)
		return nil, err
	}
	fut := &Future[T]{f: f, j: j, ready: ready}
	runtime.SetFinalizer(fut, (*Future[T]).Release)
	return fut, nil
}

// Done is closed once the result is there.
func (f *Future[T]) Done() <-chan struct{} { return f.ready }

// Wait returns the function's result, its error (a *PanicError if it
// panicked), an *Error for a library outcome such as ErrCanceled, or ctx's
// error if ctx ends first (the item keeps running; see SubmitContext).
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	var zero T
	select {
	case <-f.ready:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	var o C.wg_outcome_t
	f.mu.RLock()
	rc := C.int(C.WG_EINVAL)
	if !f.released {
		rc = C.wg_future_wait(f.f, 0, &o)
	}
	released := f.released
	f.mu.RUnlock()
	if released {
		return zero, ErrReleased
	}
	if rc != C.WG_OK {
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
func (f *Future[T]) Cancel() bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return !f.released && C.wg_future_cancel(f.f) == C.WG_OK
}

// Release gives up the future (the work still runs); idempotent.
func (f *Future[T]) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.released {
		f.released = true
		C.wg_future_release(f.f)
	}
}

// Submit runs fn and waits for its result.
func Submit[T any](g *Grinder, fn func() (T, error)) (T, error) {
	return SubmitContext(context.Background(), g, fn)
}

// SubmitContext runs fn and waits for its result, like database/sql's
// QueryContext: when ctx ends first the item is cancelled (a function already
// running is not interrupted) and ctx's error is returned.
func SubmitContext[T any](ctx context.Context, g *Grinder, fn func() (T, error)) (T, error) {
	f, err := Enqueue(g, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Release()
	v, err := f.Wait(ctx)
	if ctxErr := ctx.Err(); ctxErr != nil && err == ctxErr {
		if f.Cancel() {
			return v, ctxErr
		}
		return f.Wait(context.Background()) // too late to cancel: its outcome
	}
	return v, err
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
	err := g.use(func(p *C.wg_grinder_t) C.int { return C.wg_go_submit(p, C.uintptr_t(h)) })
	if err != nil {
		deleteHandle(h)
		return err
	}
	return nil
}
