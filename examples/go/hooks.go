package workgrinder

// Worker hooks, and the registry of grinder-level Go values that C calls
// back into (batch handlers, hooks). As with a job's entry (jobs.go), such a
// value may be looked up by a callback that races Close (a worker left inside
// a batch call by Stop(true)), so a lookup that finds nothing is not an error.

/*
#include <stdint.h>
*/
import "C"

import "sync"

var (
	regMu   sync.Mutex
	reg     = map[uintptr]any{}
	regNext uintptr
)

func register(v any) uintptr {
	regMu.Lock()
	defer regMu.Unlock()
	regNext++
	reg[regNext] = v
	liveHandles.Add(1)
	return regNext
}

func lookup(id uintptr) (any, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	v, ok := reg[id]
	return v, ok
}

func unregister(id uintptr) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, ok := reg[id]; ok {
		delete(reg, id)
		liveHandles.Add(-1)
	}
}

// WorkerHooks sets functions that every worker thread of a grinder made from
// this conf runs: onStart before its first job, onStop as it exits, exactly
// once each, on that thread (the calling goroutine is locked to it meanwhile,
// so thread-local C state set up in onStart is there for every job on that
// worker). Either may be nil. They must not block on the grinder (no Submit,
// Stop or Close); a panic in one ends the program, as in any goroutine.
func (c *Conf) WorkerHooks(onStart, onStop func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onStart, c.onStop = onStart, onStop
}

// hooks is one grinder's copy of its conf's hooks. Thread rules: live and
// closed are guarded by mu; the registry entry goes once the grinder is
// destroyed and every worker that started has stopped, so that a worker's
// onStop still runs when it outlives Close.
type hooks struct {
	onStart, onStop func()
	id              uintptr
	mu              sync.Mutex
	live            int
	closed          bool
}

func (h *hooks) close() {
	h.mu.Lock()
	h.closed = true
	last := h.live == 0
	h.mu.Unlock()
	if last {
		unregister(h.id)
	}
}

//export goWorkerStart
func goWorkerStart(id C.uintptr_t) {
	v, ok := lookup(uintptr(id))
	if !ok {
		return
	}
	h := v.(*hooks)
	h.mu.Lock()
	h.live++
	h.mu.Unlock()
	if h.onStart != nil {
		h.onStart()
	}
}

//export goWorkerStop
func goWorkerStop(id C.uintptr_t) {
	v, ok := lookup(uintptr(id))
	if !ok {
		return
	}
	h := v.(*hooks)
	if h.onStop != nil {
		h.onStop()
	}
	h.mu.Lock()
	h.live--
	last := h.closed && h.live == 0
	h.mu.Unlock()
	if last {
		unregister(h.id)
	}
}
