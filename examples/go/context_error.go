package workgrinder

// ContextError is a library status caused by a context: errors.Is matches
// both the status (ErrTimedOut, ErrCanceled, ErrFull) and the context's error
// (context.DeadlineExceeded, context.Canceled); errors.As finds the *Error.
type ContextError struct {
	Err     *Error
	Context error
}

func (e *ContextError) Error() string { return e.Err.Error() + " (" + e.Context.Error() + ")" }

// Is matches the context's error; Unwrap gives the status.
func (e *ContextError) Is(target error) bool { return target == e.Context }

// Unwrap returns the library status.
func (e *ContextError) Unwrap() error { return e.Err }
