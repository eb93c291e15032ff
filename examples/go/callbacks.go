package workgrinder

// Callbacks from C. Each receives a job's registry id (jobs.go); the entry
// is taken exactly once, when the item's outcome is consumed: in goDone for
// SubmitFunc items, in readyJob (ready.go) for futures.

/*
#include <stdint.h>
*/
import "C"

import "fmt"

//export goWork
func goWork(id C.uintptr_t) (rc C.int) {
	j := lookupStarting(uintptr(id))
	if j == nil { // cancelled while starting: its outcome is decided and delivered
		return 1
	}
	defer func() {
		if p := recover(); p != nil {
			j.finish(nil, &PanicError{Value: p})
			rc = 1
		}
	}()
	v, err := j.fn()
	j.finish(v, err)
	if err != nil {
		return 1
	}
	return 0
}

//export goDone
func goDone(id C.uintptr_t, status C.int) {
	j := takeJob(uintptr(id))
	defer j.untracked()
	v, err := j.result(int(status))
	j.done(v, err)
}

// lookupStarting finds the job of an item a worker starts.
func lookupStarting(id uintptr) *job {
	if beforeStartLookup != nil {
		beforeStartLookup(id)
	}
	return getJob(id)
}

// beforeStartLookup lets a test cancel an item between its start and its
// job's lookup; nil otherwise.
var beforeStartLookup func(id uintptr)

//export goReady
func goReady(id C.uintptr_t, status C.int) { readyJob(uintptr(id), int(status)) }

// PanicError is the error of a function that panicked.
type PanicError struct{ Value any }

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }
