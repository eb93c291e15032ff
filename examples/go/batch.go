package workgrinder

// Batch handlers: a grinder whose submissions are args to one Go function
// that decides a whole batch. The C batch function (shim.c) gathers the
// batch's args and calls goBatch once per batch.

/*
#include <stdint.h>
#include <workgrinder/workgrinder.h>
*/
import "C"

import (
	"context"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// BatchGrinder is a Grinder whose items are args of type A to one handler,
// called once per batch on a worker thread with the batch's items: one OS
// thread's items in the order it submitted them (a goroutine that needs its
// order kept calls runtime.LockOSThread while it submits), items cancelled
// before the call left out. Each item gets its own result of type R: the one the
// handler Set, the error it gave with Fail or FailCode, or, when it decided
// nothing for the item, R's zero value with a nil error (the handler
// returned) or a *PanicError (it panicked). Results are delivered after the
// handler returns. Close, Stop, Start, Stats and StatsJSON are
// the Grinder's.
type BatchGrinder[A, R any] struct {
	*Grinder
}

// batchFunc is what the registry holds for a BatchGrinder: the typed call.
type batchFunc func(b *C.wg_batch_t, args []C.uintptr_t) C.int

// batchCall is one handler call; done is set when it has returned (atomic:
// an item kept past the call may be used from any goroutine, and must refuse).
type batchCall struct {
	b    *C.wg_batch_t
	done atomic.Bool
}

// BatchItem is one submitted arg inside a handler call. Set, Fail and
// FailCode may be called only by the handler's goroutine during the call
// (the C side wants its worker thread); afterwards they return ErrInvalid.
// Copies of an item share its state.
type BatchItem[A, R any] struct {
	call *batchCall
	j    *job
	i    int
}

// Arg is the submitted arg.
func (it BatchItem[A, R]) Arg() A {
	a, _ := it.j.arg.(A)
	return a
}

// Set gives the item's caller v. It returns nil; ErrAlready if the item was
// decided before; ErrCanceled if it was cancelled meanwhile (v is dropped);
// ErrInvalid after the handler returned.
func (it BatchItem[A, R]) Set(v R) error { return it.decide(0, v, nil) }

// Fail gives the item's caller err (not nil: ErrInvalid). Errors as Set.
func (it BatchItem[A, R]) Fail(err error) error {
	if err == nil {
		return ErrInvalid
	}
	return it.decide(1, nil, err)
}

// FailCode gives the item's caller a *WorkError with code (not 0: that is
// success; ErrInvalid). Errors as Set.
func (it BatchItem[A, R]) FailCode(code int) error {
	if code == 0 {
		return ErrInvalid
	}
	return it.decide(code, nil, &WorkError{Code: code})
}

func (it BatchItem[A, R]) decide(code int, v any, err error) error {
	if it.call.done.Load() {
		return ErrInvalid
	}
	if it.j.decided {
		return ErrAlready
	}
	it.j.decided = true
	it.j.finish(v, err)
	return statusError(C.wg_batch_set(it.call.b, C.size_t(it.i), C.int(code), nil))
}

// WorkError is the error of an item a batch handler failed with FailCode;
// errors.Is(err, ErrWork) holds.
type WorkError struct{ Code int }

func (e *WorkError) Error() string {
	return fmt.Sprintf("workgrinder: item failed with work code %d", e.Code)
}

// Is makes errors.Is(err, ErrWork) hold.
func (e *WorkError) Is(target error) bool { return target == ErrWork }

// NewBatchGrinder creates and starts a grinder whose batches go to handler.
// conf may be nil (every default) and may be closed as soon as this returns.
func NewBatchGrinder[A, R any](conf *Conf, handler func(items []BatchItem[A, R])) (*BatchGrinder[A, R], error) {
	call := func(b *C.wg_batch_t, args []C.uintptr_t) (rc C.int) {
		bc := &batchCall{b: b}
		items := make([]BatchItem[A, R], 0, len(args))
		for i, a := range args {
			// Gone: cancelled while the batch was being started, its outcome
			// already delivered; it is left out like one cancelled before.
			if j := lookupStarting(uintptr(a)); j != nil {
				items = append(items, BatchItem[A, R]{call: bc, j: j, i: i})
			}
		}
		if len(items) == 0 {
			return 1
		}
		defer func() {
			bc.done.Store(true)
			if p := recover(); p != nil {
				perr := &PanicError{Value: p}
				for _, it := range items {
					if !it.j.decided {
						it.j.finish(nil, perr)
					}
				}
				rc = 1
			}
		}()
		handler(items)
		return 0
	}
	id := register(batchFunc(call))
	g, err := create(conf, id)
	if err != nil {
		unregister(id)
		return nil, err
	}
	return &BatchGrinder[A, R]{g}, nil
}

//export goBatch
func goBatch(id C.uintptr_t, b *C.wg_batch_t, args *C.uintptr_t, n C.size_t) C.int {
	v, ok := lookup(uintptr(id))
	if !ok { // only after Close: a cancelling stop has decided every item
		return 0
	}
	return v.(batchFunc)(b, unsafe.Slice(args, int(n)))
}

// Enqueue submits arg; the Future waits for, or cancels, its result.
func (g *BatchGrinder[A, R]) Enqueue(arg A) (*Future[R], error) {
	return userFuture(enqueueJob[R](g.Grinder, &job{arg: arg}, flow{}))
}

// EnqueueContext submits arg under ctx, as the package's EnqueueContext.
func (g *BatchGrinder[A, R]) EnqueueContext(ctx context.Context, arg A) (*Future[R], error) {
	return g.EnqueueWith(ctx, SubmitOptions{}, arg)
}

// EnqueueWith submits arg with flow control, as the package's EnqueueWith:
// an item whose deadline passes before the handler is called with it is
// left out of the batch and ends with an error matching ErrTimedOut.
func (g *BatchGrinder[A, R]) EnqueueWith(ctx context.Context, opts SubmitOptions, arg A) (*Future[R], error) {
	f, err := userFuture(enqueueJob[R](g.Grinder, &job{arg: arg}, flowOf(ctx, opts)))
	if err == nil {
		f.cancelWith(ctx)
	}
	return f, err
}

// Submit submits arg and waits for its result.
func (g *BatchGrinder[A, R]) Submit(arg A) (R, error) {
	return g.SubmitContext(context.Background(), arg)
}

// SubmitContext submits arg and waits for its result; ctx's deadline is the
// item's, and when ctx ends first the item is cancelled (if the handler has
// not decided it yet). Errors as the package's SubmitContext.
func (g *BatchGrinder[A, R]) SubmitContext(ctx context.Context, arg A) (R, error) {
	return g.SubmitWith(ctx, SubmitOptions{}, arg)
}

// SubmitWith is SubmitContext with flow control, as the package's SubmitWith.
func (g *BatchGrinder[A, R]) SubmitWith(ctx context.Context, opts SubmitOptions, arg A) (R, error) {
	return submitAndWait[R](ctx, g.Grinder, &job{arg: arg}, flowOf(ctx, opts))
}

// SubmitFunc submits arg and calls done with its result on the grinder's
// loop thread; done must not block.
func (g *BatchGrinder[A, R]) SubmitFunc(arg A, done func(R, error)) error {
	return submitFunc(g.Grinder, &job{arg: arg}, flow{}, done)
}

// SubmitFuncWith is SubmitFunc with flow control, as the package's SubmitFuncWith.
func (g *BatchGrinder[A, R]) SubmitFuncWith(opts SubmitOptions, arg A, done func(R, error)) error {
	return submitFunc(g.Grinder, &job{arg: arg}, flowOf(nil, opts), done)
}
