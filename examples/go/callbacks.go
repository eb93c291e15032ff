package workgrinder

// Callbacks from C. Each receives a cgo.Handle value; handles are deleted
// exactly once: a job's in goRelease (the library is done with it), a
// future's notification handle in goReady.

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
)

//export goWork
func goWork(h C.uintptr_t) (rc C.int) {
	j := cgo.Handle(h).Value().(*job)
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
func goDone(h C.uintptr_t, status C.int) {
	j := cgo.Handle(h).Value().(*job)
	v, err := j.result(int(status))
	j.done(v, err)
}

//export goReady
func goReady(h C.uintptr_t) {
	ch := cgo.Handle(h).Value().(chan struct{})
	deleteHandle(cgo.Handle(h))
	close(ch)
}

//export goRelease
func goRelease(h C.uintptr_t) {
	deleteHandle(cgo.Handle(h))
}

// PanicError is the error of a function that panicked.
type PanicError struct{ Value any }

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }
