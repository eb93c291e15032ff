package workgrinder

// Flow control per submission: waiting for room under max_pending, and an
// item deadline, from SubmitOptions and from a context's deadline.

import (
	"context"
	"time"
)

// SubmitOptions are one submission's flow control. The zero value is what
// Submit and Enqueue do: fail at once with ErrFull when max_pending items are
// pending, no deadline.
type SubmitOptions struct {
	// AdmitTimeout is how long a submission that finds max_pending items
	// pending waits for room: 0 returns ErrFull at once; > 0 waits up to that
	// long, then returns ErrFull; < 0 (WaitForever) waits without limit.
	// Waiters are admitted in FIFO order; a stop (Stop, StopTimeout) ends the
	// wait with ErrStopping, Close with ErrClosed. The wait blocks the calling goroutine
	// (and its OS thread) inside the library; from a SubmitFunc callback,
	// which runs on the loop thread, any AdmitTimeout other than 0 returns
	// ErrWrongThread. A context's cancellation does not end the wait (its
	// deadline bounds it); the item is cancelled once admitted.
	AdmitTimeout time.Duration
	// Deadline, when not zero: an item that has not started running by
	// then ends with an error matching ErrTimedOut without running (a
	// function already running is not interrupted). A deadline already
	// past still submits the item, which then ends that way. It also
	// bounds the admission wait: room found after it would be of no use.
	Deadline time.Time
}

// WaitForever as AdmitTimeout waits for room without limit.
const WaitForever time.Duration = -1

// minDeadlineSeconds stands for a deadline already past: the C API reads 0
// as "none", and the item must still end with ErrTimedOut.
const minDeadlineSeconds = 1e-9

// flow is one submission's options as the C call takes them, and where they
// came from, so that errors can name the context that caused them.
type flow struct {
	admitSeconds    float64 // 0: ErrFull at once; < 0: no limit
	deadlineSeconds float64 // 0: none
	ctx             context.Context
	ctxDeadline     bool // the item's deadline is ctx's
	ctxBoundsAdmit  bool // ctx's deadline cut the admission wait short
}

// waits says whether the submission may block for room (then it must not
// hold the grinder's lock; see Grinder.submit).
func (f flow) waits() bool { return f.admitSeconds != 0 }

// flowOf resolves o against ctx (may be nil): the earlier of o.Deadline and
// ctx's deadline becomes the item's, and bounds the admission wait.
func flowOf(ctx context.Context, o SubmitOptions) flow {
	f := flow{ctx: ctx}
	switch {
	case o.AdmitTimeout < 0:
		f.admitSeconds = -1
	case o.AdmitTimeout > 0:
		f.admitSeconds = o.AdmitTimeout.Seconds()
	}
	deadline := o.Deadline
	if ctx != nil {
		if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || !d.After(deadline)) {
			deadline, f.ctxDeadline = d, true
		}
	}
	if deadline.IsZero() {
		return f
	}
	left := time.Until(deadline).Seconds()
	if left < minDeadlineSeconds {
		left = minDeadlineSeconds
	}
	f.deadlineSeconds = left
	if f.admitSeconds != 0 && (f.admitSeconds < 0 || f.admitSeconds > left) {
		f.admitSeconds = left
		f.ctxBoundsAdmit = f.ctxDeadline
	}
	return f
}

// submitError is a refused submission's error: ErrFull after a wait that
// ctx's deadline cut short also matches context.DeadlineExceeded.
func (f flow) submitError(err error) error {
	if f.ctxBoundsAdmit && isStatus(err, EFULL) {
		return &ContextError{Err: err.(*Error), Context: context.DeadlineExceeded}
	}
	return err
}

// outcomeError is an item's error given its status: ErrTimedOut from ctx's
// deadline also matches context.DeadlineExceeded; ErrCanceled once ctx has
// ended (its cancellation cancels the item) matches ctx's error, and counts
// as ErrTimedOut when that was the deadline, whichever came first.
func (f flow) outcomeError(status int, err error) error {
	switch {
	case status == ETIMEDOUT && f.ctxDeadline:
		return &ContextError{Err: err.(*Error), Context: context.DeadlineExceeded}
	case status == ECANCELED && f.ctx != nil && f.ctx.Err() != nil:
		return contextOutcome(f.ctx.Err())
	}
	return err
}

// contextOutcome is the error of an item cancelled because ctx ended with
// ctxErr.
func contextOutcome(ctxErr error) error {
	status := ECANCELED
	if ctxErr == context.DeadlineExceeded {
		status = ETIMEDOUT
	}
	return &ContextError{Err: StatusError(status).(*Error), Context: ctxErr}
}

func isStatus(err error, status int) bool {
	e, ok := err.(*Error)
	return ok && e.Status == status
}
