package workgrinder

/*
#include <workgrinder/workgrinder.h>
*/
import "C"

import "errors"

// Status codes (WG_*), never renumbered.
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
	EUNAVAILABLE = int(C.WG_EUNAVAILABLE)
	EALREADY     = int(C.WG_EALREADY)
	ENOKEY       = int(C.WG_ENOKEY)
)

// Error is a library status with its message. errors.Is matches it against
// the Err* value of the same status.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return statusName(e.Status) + ": " + e.Message }

// Is makes errors.Is(err, ErrCanceled) (or any Err* status value) work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// One value per status, for errors.Is.
var (
	ErrInvalid     = &Error{Status: EINVAL, Message: "invalid argument or configuration value"}
	ErrNotStarted  = &Error{Status: ENOTSTARTED, Message: "not started"}
	ErrStopping    = &Error{Status: ESTOPPING, Message: "stopping"}
	ErrWrongThread = &Error{Status: EWRONGTHREAD, Message: "blocking call on the loop thread"}
	ErrCanceled    = &Error{Status: ECANCELED, Message: "cancelled"}
	ErrTimedOut    = &Error{Status: ETIMEDOUT, Message: "timed out"}
	ErrFull        = &Error{Status: EFULL, Message: "max_pending reached"}
	ErrNoMemory    = &Error{Status: ENOMEM, Message: "out of memory"}
	ErrWork        = &Error{Status: EWORK, Message: "the work function failed"}
	ErrLease       = &Error{Status: ELEASE, Message: "lease expired, released or revoked"}
	ErrUnavailable = &Error{Status: EUNAVAILABLE, Message: "no executor available"}
	ErrAlready     = &Error{Status: EALREADY, Message: "the outcome was already decided"}
	ErrNoKey       = &Error{Status: ENOKEY, Message: "unknown configuration key"}
)

// ErrClosed is returned by every call on a Grinder after Close (it is not a
// library status: the grinder no longer exists).
var ErrClosed = errors.New("workgrinder: grinder is closed")

// Statuses lists every status error, for tables and tests.
var Statuses = []*Error{ErrInvalid, ErrNotStarted, ErrStopping, ErrWrongThread, ErrCanceled,
	ErrTimedOut, ErrFull, ErrNoMemory, ErrWork, ErrLease, ErrUnavailable, ErrAlready, ErrNoKey}

var statusNames = map[int]string{OK: "WG_OK", EINVAL: "WG_EINVAL", ENOTSTARTED: "WG_ENOTSTARTED",
	ESTOPPING: "WG_ESTOPPING", EWRONGTHREAD: "WG_EWRONGTHREAD", ECANCELED: "WG_ECANCELED",
	ETIMEDOUT: "WG_ETIMEDOUT", EFULL: "WG_EFULL", ENOMEM: "WG_ENOMEM", EWORK: "WG_EWORK",
	ELEASE: "WG_ELEASE", EUNAVAILABLE: "WG_EUNAVAILABLE", EALREADY: "WG_EALREADY", ENOKEY: "WG_ENOKEY"}

// statusName is the table's name, so that a code newer than the loaded
// library is still named.
func statusName(status int) string {
	if n, ok := statusNames[status]; ok {
		return n
	}
	return C.GoString(C.wg_err_name(C.int(status)))
}

// StatusError is the *Error for a status, or nil for OK. The message is the
// loaded library's, or the table's when the library does not know the code.
func StatusError(status int) error {
	if status == OK {
		return nil
	}
	msg := C.GoString(C.wg_strerror(C.int(status)))
	if msg == "unknown error" {
		for _, e := range Statuses {
			if e.Status == status {
				msg = e.Message
			}
		}
	}
	return &Error{Status: status, Message: msg}
}

func statusError(rc C.int) error { return StatusError(int(rc)) }
