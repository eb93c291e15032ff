package workgrinder

/*
#include <stdint.h>
#include <workgrinder/workgrinder.h>

int wg_go_enqueue(wg_grinder_t *g, uintptr_t job, int batch, double admit, double deadline,
                  wg_future_t **out);
int wg_go_submit(wg_grinder_t *g, uintptr_t job, int batch, int queued, double admit,
                 double deadline);
int wg_go_future_take(wg_future_t *f, wg_outcome_t *out);
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// job is one submitted function, or (fn nil) one arg to a batch handler; its
// result is guarded by mu because the library's own synchronization is
// invisible to the Go race detector. fn, arg, done, ready and items are set
// before the job is registered (the registry's lock orders them); decided
// belongs to the batch call's goroutine.
type job struct {
	fn      func() (any, error)
	arg     any
	decided bool
	done    func(any, error) // SubmitFunc's; nil otherwise
	ready   chan struct{}    // closed once the outcome is ready; nil for SubmitFunc's
	status  int              // without a future: the outcome's, set before ready closes
	items   *sync.WaitGroup  // its grinder's items: Done once it left the registry
	mu      sync.Mutex
	val     any
	err     error
}

// untracked tells the job's grinder that its entry has gone.
func (j *job) untracked() { j.items.Done() }

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
		if j.err == nil { // the batch shim failed the whole batch
			return nil, ErrWork
		}
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
	flow     flow // where the item's deadline and cancellation came from
}

// ErrReleased is Wait's error after Release.
var ErrReleased = errors.New("workgrinder: future released")

// Enqueue submits fn; the Future waits for, or cancels, its result.
func Enqueue[T any](g *Grinder, fn func() (T, error)) (*Future[T], error) {
	return userFuture(enqueueJob[T](g, &job{fn: func() (any, error) { return fn() }}, flow{}))
}

// EnqueueContext is Enqueue under ctx: ctx's deadline becomes the item's (see
// SubmitOptions.Deadline; the Future's error then also matches
// context.DeadlineExceeded), and ctx's cancellation cancels the item (the
// error then also matches context.Canceled). ctx does not bound Wait: pass
// Wait its own.
func EnqueueContext[T any](ctx context.Context, g *Grinder, fn func() (T, error)) (*Future[T], error) {
	return EnqueueWith(ctx, g, SubmitOptions{}, fn)
}

// EnqueueWith is EnqueueContext with flow control: it may wait for room
// (opts.AdmitTimeout), and the earlier of opts.Deadline and ctx's deadline
// is the item's. Errors: ErrFull (no room in time; it also matches
// context.DeadlineExceeded when ctx's deadline cut the wait short),
// ErrStopping (a stop ended the wait), ErrWrongThread (a wait from a
// SubmitFunc callback), and those of Enqueue.
func EnqueueWith[T any](ctx context.Context, g *Grinder, opts SubmitOptions, fn func() (T, error)) (*Future[T], error) {
	f, err := userFuture(enqueueJob[T](g, &job{fn: func() (any, error) { return fn() }}, flowOf(ctx, opts)))
	if err == nil {
		f.cancelWith(ctx)
	}
	return f, err
}

func enqueueJob[T any](g *Grinder, j *job, fl flow) (*Future[T], error) {
	batch := C.int(0)
	if j.fn == nil {
		batch = 1
	}
	j.ready = make(chan struct{})
	var f *C.wg_future_t
	err := g.submit(fl.waits(), func(p *C.wg_grinder_t) C.int {
		id := g.track(j)
		rc := C.wg_go_enqueue(p, C.uintptr_t(id), batch, C.double(fl.admitSeconds),
			C.double(fl.deadlineSeconds), &f)
		if rc != C.WG_OK {
			takeJob(id).untracked() // refused: nothing was taken over
		}
		return rc
	})
	if err != nil {
		return nil, fl.submitError(err)
	}
	return &Future[T]{f: f, j: j, ready: j.ready, flow: fl}, nil
}

// userFuture gives a future to the user, who may forget Release: a finalizer
// releases it then. Futures the package owns (waitOrCancel's) go without
// one, which costs per item.
func userFuture[T any](f *Future[T], err error) (*Future[T], error) {
	if err == nil {
		runtime.SetFinalizer(f, (*Future[T]).Release)
	}
	return f, err
}

// cancelWith cancels the item when ctx ends before its result is there (a
// goroutine waits for whichever comes first; none for a ctx that never ends).
func (f *Future[T]) cancelWith(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	go func() {
		select {
		case <-ctx.Done():
			f.Cancel()
		case <-f.ready:
		}
	}()
}

// Done is closed once the result is there.
func (f *Future[T]) Done() <-chan struct{} { return f.ready }

// Wait returns the function's result, its error (a *PanicError if it
// panicked), an *Error for a library outcome such as ErrCanceled or
// ErrTimedOut (a *ContextError when the item's context caused it: see
// EnqueueContext), or ctx's error if ctx ends first (the item keeps running;
// see SubmitContext).
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
	return f.outcome(rc, &o)
}

// outcome is the result of a ready future given wg_future_wait's answer.
func (f *Future[T]) outcome(rc C.int, o *C.wg_outcome_t) (T, error) {
	var zero T
	if rc != C.WG_OK {
		return zero, statusError(rc)
	}
	v, err := f.j.result(int(o.status))
	if err != nil {
		return zero, f.flow.outcomeError(int(o.status), err)
	}
	t, _ := v.(T)
	return t, nil
}

// take is Wait and Release of a ready future in one C call, for callers
// that own the future (waitOrCancel).
func (f *Future[T]) take() (T, error) {
	var o C.wg_outcome_t
	f.mu.Lock()
	rc := C.int(C.WG_EINVAL)
	if !f.released {
		f.released = true
		rc = C.wg_go_future_take(f.f, &o)
	}
	f.mu.Unlock()
	return f.outcome(rc, &o)
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
// QueryContext: ctx's deadline becomes the item's (not started by then, it
// ends without running), and when ctx ends first the item is cancelled (a
// function already running is not interrupted). The error then matches
// ctx's error (context.DeadlineExceeded or context.Canceled) and the status
// (ErrTimedOut or ErrCanceled).
func SubmitContext[T any](ctx context.Context, g *Grinder, fn func() (T, error)) (T, error) {
	return SubmitWith(ctx, g, SubmitOptions{}, fn)
}

// SubmitWith is SubmitContext with flow control; errors as EnqueueWith's
// and SubmitContext's.
func SubmitWith[T any](ctx context.Context, g *Grinder, opts SubmitOptions, fn func() (T, error)) (T, error) {
	return submitAndWait[T](ctx, g, &job{fn: func() (any, error) { return fn() }}, flowOf(ctx, opts))
}

// submitAndWait is SubmitWith's submission and wait: through a future when
// ctx can be cancelled (Cancel needs one), else without: one C call, and the
// outcome's status comes with the ready notification.
func submitAndWait[T any](ctx context.Context, g *Grinder, j *job, fl flow) (T, error) {
	if ctx.Done() != nil {
		f, err := enqueueJob[T](g, j, fl)
		return waitOrCancel(ctx, f, err)
	}
	var zero T
	j.ready = make(chan struct{})
	if err := g.submit(fl.waits(), func(p *C.wg_grinder_t) C.int {
		return g.submitJob(p, j, 1, fl)
	}); err != nil {
		return zero, fl.submitError(err)
	}
	<-j.ready
	v, err := j.result(j.status)
	if err != nil {
		return zero, fl.outcomeError(j.status, err)
	}
	t, _ := v.(T)
	return t, nil
}

// submitJob registers j and submits it with wg_submit_ex; queued 1 sends
// its outcome to the ready queue, 0 to goDone.
func (g *Grinder) submitJob(p *C.wg_grinder_t, j *job, queued C.int, fl flow) C.int {
	batch := C.int(0)
	if j.fn == nil {
		batch = 1
	}
	id := g.track(j)
	rc := C.wg_go_submit(p, C.uintptr_t(id), batch, queued, C.double(fl.admitSeconds),
		C.double(fl.deadlineSeconds))
	if rc != C.WG_OK {
		takeJob(id).untracked() // refused: nothing was taken over
	}
	return rc
}

// waitOrCancel is SubmitContext's wait for the future enqueueJob gave (or its error).
func waitOrCancel[T any](ctx context.Context, f *Future[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	select {
	case <-f.ready:
		return f.take()
	case <-ctx.Done():
	}
	if f.Cancel() {
		f.Release()
		var zero T
		return zero, contextOutcome(ctx.Err())
	}
	<-f.ready // too late to cancel: its outcome is decided
	return f.take()
}

// SubmitFunc runs fn and calls done with its result on the grinder's loop
// thread; done must not block.
func SubmitFunc[T any](g *Grinder, fn func() (T, error), done func(T, error)) error {
	return submitFunc(g, &job{fn: func() (any, error) { return fn() }}, flow{}, done)
}

// SubmitFuncWith is SubmitFunc with flow control: it may wait for room
// (opts.AdmitTimeout; not from a callback: ErrWrongThread), and an item not
// started by opts.Deadline gets done(zero, error matching ErrTimedOut)
// without running. Errors as EnqueueWith's.
func SubmitFuncWith[T any](g *Grinder, opts SubmitOptions, fn func() (T, error), done func(T, error)) error {
	return submitFunc(g, &job{fn: func() (any, error) { return fn() }}, flowOf(nil, opts), done)
}

func submitFunc[T any](g *Grinder, j *job, fl flow, done func(T, error)) error {
	j.done = func(v any, err error) {
		var t T
		if err == nil {
			t, _ = v.(T)
		}
		done(t, err)
	}
	return g.submit(fl.waits(), func(p *C.wg_grinder_t) C.int { return g.submitJob(p, j, 0, fl) })
}
