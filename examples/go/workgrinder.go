// Package workgrinder wraps libworkgrinder: submit functions from many
// goroutines; they run in batches on leased worker threads, and each caller
// gets its own result.
//
// A *Grinder is meant to be created once and shared, like a *sql.DB: every
// method is safe for concurrent use, including Close, which may race with
// submissions (each one is either accepted and gets its result, or returns
// ErrClosed).
//
// Flow control: SubmitOptions (EnqueueWith, SubmitWith, SubmitFuncWith)
// let a submission wait for room under max_pending and give its item a
// deadline (not started by then, it ends with ErrTimedOut without running).
// SubmitContext and EnqueueContext make ctx's deadline the item's and cancel
// the item when ctx is cancelled; such errors also match ctx's error
// (errors.Is). StopTimeout drains for a bounded time, then cancels the rest.
package workgrinder

/*
#cgo pkg-config: workgrinder
#include <stdint.h>
#include <stdlib.h>
#include <workgrinder/workgrinder.h>

int wg_go_conf_set_batch_fn(wg_conf_t *c, uintptr_t id);
int wg_go_conf_set_worker_hooks(wg_conf_t *c, uintptr_t id);
*/
import "C"

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

var liveHandles atomic.Int64

// LiveHandles counts the registry entries not yet dropped: jobs whose
// outcome was not yet consumed, batch handlers and worker hooks (for tests).
func LiveHandles() int64 { return liveHandles.Load() }

// Conf holds configuration keys; see the README for every key and rule.
// Not safe for concurrent use (NewGrinder and NewBatchGrinder may share one).
//
// Thread rules: mu makes a grinder's creation (which sets the batch function
// and hooks on c, creates, and clears them) one step.
type Conf struct {
	mu      sync.Mutex
	c       *C.wg_conf_t
	onStart func()
	onStop  func()
}

// NewConf returns a configuration holding every default.
func NewConf() *Conf {
	c := &Conf{c: C.wg_conf_new()}
	runtime.SetFinalizer(c, (*Conf).Close)
	return c
}

// Set sets one key; a bad value or unknown key gives an *Error with the
// library's message (errors.Is(err, ErrInvalid) or ErrNoKey).
func (c *Conf) Set(key, value string) error {
	if c.c == nil {
		return ErrClosed
	}
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

// Close frees the configuration; idempotent.
func (c *Conf) Close() {
	if c.c != nil {
		C.wg_conf_destroy(c.c)
		c.c = nil
	}
}

// Grinder batches submitted functions onto leased worker threads.
//
// Thread rules: g is set once by NewGrinder and freed by Close. Every
// non-blocking use of g happens under mu held shared after checking closed; a
// blocking one (Stop) registers in blocking under mu instead and runs
// unlocked. Close sets closed under mu held exclusively, so once it has the
// lock nobody is inside a non-blocking C call and nobody will start any; it
// then waits for blocking calls and frees g, all outside the lock (a work
// function that submits while Close or Stop drains gets ErrClosed or an
// answer instead of deadlocking on mu). items counts the grinder's jobs in
// the registry; it grows only inside a submission call (so before Close's
// Wait), and Close waits for it after wg_destroy, when every outcome is
// decided but ready notifications may still be on their way.
type Grinder struct {
	mu       sync.RWMutex
	closed   bool
	blocking sync.WaitGroup
	items    sync.WaitGroup
	g        *C.wg_grinder_t
	hooks    *hooks  // nil without worker hooks
	batchID  uintptr // the batch handler's registry entry; 0 for none
}

// NewGrinder creates and starts a grinder with a private manager. conf may
// be nil (every default) and may be closed as soon as this returns.
func NewGrinder(conf *Conf) (*Grinder, error) {
	return create(conf, 0)
}

// create makes and starts a grinder; batchID, when not 0, names its batch
// handler in the registry. The grinder owns its hooks' entry.
func create(conf *Conf, batchID uintptr) (*Grinder, error) {
	var c *C.wg_conf_t
	var h *hooks
	if conf != nil {
		conf.mu.Lock()
		defer conf.mu.Unlock()
		c = conf.c
		if conf.onStart != nil || conf.onStop != nil {
			h = &hooks{onStart: conf.onStart, onStop: conf.onStop}
		}
	}
	if c == nil && (batchID != 0 || h != nil) {
		c = C.wg_conf_new()
		defer C.wg_conf_destroy(c)
	}
	if batchID != 0 {
		C.wg_go_conf_set_batch_fn(c, C.uintptr_t(batchID))
		defer C.wg_go_conf_set_batch_fn(c, 0) // the conf stays as the caller made it
	}
	if h != nil {
		h.id = register(h)
		C.wg_go_conf_set_worker_hooks(c, C.uintptr_t(h.id))
		defer C.wg_go_conf_set_worker_hooks(c, 0)
	}
	var g *C.wg_grinder_t
	var buf [256]C.char
	rc := C.wg_create(&g, c, nil, &buf[0], C.size_t(len(buf)))
	if rc != C.WG_OK {
		if h != nil {
			unregister(h.id)
		}
		return nil, &Error{Status: int(rc), Message: C.GoString(&buf[0])}
	}
	gr := &Grinder{g: g, hooks: h, batchID: batchID}
	if rc := C.wg_start(g); rc != C.WG_OK {
		C.wg_destroy(g)
		gr.destroyed()
		return nil, statusError(rc)
	}
	holdReady()
	return gr, nil
}

// track registers j as one of g's items; inside a submission call only.
func (g *Grinder) track(j *job) uintptr {
	g.items.Add(1)
	j.items = &g.items
	return addJob(j)
}

// destroyed drops the registry entries once wg_destroy has returned: no
// batch call starts any more; hooks go when their last worker has stopped.
func (g *Grinder) destroyed() {
	if g.batchID != 0 {
		unregister(g.batchID)
	}
	if g.hooks != nil {
		g.hooks.close()
	}
}

// use runs call with the grinder unless it is closed. call must not block.
func (g *Grinder) use(call func(*C.wg_grinder_t) C.int) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return ErrClosed
	}
	return statusError(call(g.g))
}

// useBlocking runs a call that may block with the grinder unless it is
// closed: registered in blocking, outside mu (Close waits for it after
// stopping the grinder, which ends every such wait).
func (g *Grinder) useBlocking(call func(*C.wg_grinder_t) C.int) error {
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return ErrClosed
	}
	g.blocking.Add(1) // before Close can Wait: it needs mu to set closed
	g.mu.RUnlock()
	defer g.blocking.Done()
	return statusError(call(g.g))
}

// submit runs a submission: one that may wait for room must not hold mu
// (the work that makes room may itself submit while Close waits for mu).
//
// A waiting submission that Close's stop refused gets ErrClosed, as any
// submission racing Close does (accepted, or ErrClosed).
func (g *Grinder) submit(waits bool, call func(*C.wg_grinder_t) C.int) error {
	if !waits {
		return g.use(call)
	}
	err := g.useBlocking(call)
	if errors.Is(err, ErrStopping) || errors.Is(err, ErrNotStarted) {
		g.mu.RLock()
		closed := g.closed
		g.mu.RUnlock()
		if closed {
			return ErrClosed
		}
	}
	return err
}

// Start starts a stopped grinder again.
func (g *Grinder) Start() error {
	return g.use(func(p *C.wg_grinder_t) C.int { return C.wg_start(p) })
}

// Stop drains (cancel false) or cancels (cancel true) and waits until
// stopped; Start may start it again. Submissions meanwhile get ErrStopping or
// ErrNotStarted.
func (g *Grinder) Stop(cancel bool) error {
	c := C.int(0)
	if cancel {
		c = 1
	}
	return g.useBlocking(func(p *C.wg_grinder_t) C.int { return C.wg_stop(p, c) })
}

// StopTimeout stops like Stop(false), but drains for at most d (< 0: no
// limit), then cancels what has not finished, as Stop(true) does (a function
// already running is not interrupted). drained is true when everything
// finished in time; the grinder is stopped either way (Start may start it
// again). It blocks until stopped; from a SubmitFunc callback (the loop
// thread) it returns ErrWrongThread and stops nothing.
func (g *Grinder) StopTimeout(d time.Duration) (drained bool, err error) {
	seconds := -1.0
	if d >= 0 {
		seconds = d.Seconds()
	}
	var rc C.int
	err = g.useBlocking(func(p *C.wg_grinder_t) C.int {
		rc = C.wg_stop_timeout(p, C.double(seconds))
		return rc
	})
	if rc == C.WG_ETIMEDOUT {
		return false, nil
	}
	return err == nil, err
}

// Close drains (every accepted submission gets its result) and frees the
// grinder. Later calls return ErrClosed; Close itself returns nil when already
// closed. It must not be called from a SubmitFunc callback (ErrWrongThread;
// the grinder then stays open).
func (g *Grinder) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	if afterClosedMark != nil {
		afterClosedMark()
	}
	// Stop before waiting for blocking calls: it ends admission waits
	// (ErrClosed, see submit), which could otherwise wait forever.
	rc := C.wg_stop(g.g, 0)
	if rc == C.WG_OK {
		g.blocking.Wait()
		rc = C.wg_destroy(g.g)
	}
	if rc != C.WG_OK {
		g.mu.Lock()
		g.closed = false
		g.mu.Unlock()
		return statusError(rc)
	}
	g.items.Wait() // every item decided: its notification is at most queued
	g.destroyed()
	dropReady()
	return nil
}

// afterClosedMark lets a test act between Close's two steps; nil otherwise.
var afterClosedMark func()

// Stats is a snapshot of the grinder's state and counters.
type Stats struct {
	Started, Stopping                                 bool
	Pending, BatchSizeThreshold                       uint64
	MaxWaitSeconds, LeaseSeconds, OldestWaitSeconds   float64
	Submitted, Completed, Failed, Cancelled, Rejected uint64
	Batches, InflightItems, InflightBatches           uint64
	// Expired counts items ended by their deadline (also counted in Failed);
	// AdmissionWaits counts submissions that found max_pending reached and
	// waited for room, whatever came of it.
	Expired, AdmissionWaits uint64
}

// Stats returns a snapshot; ErrClosed after Close.
func (g *Grinder) Stats() (Stats, error) {
	s := C.wg_stats_t{version: C.WG_STATS_VERSION}
	if err := g.use(func(p *C.wg_grinder_t) C.int { return C.wg_stats(p, &s) }); err != nil {
		return Stats{}, err
	}
	return Stats{
		Started: s.started != 0, Stopping: s.stopping != 0,
		Pending: uint64(s.pending), BatchSizeThreshold: uint64(s.batch_size_threshold),
		MaxWaitSeconds: float64(s.max_wait_seconds), LeaseSeconds: float64(s.lease_seconds),
		OldestWaitSeconds: float64(s.oldest_wait_seconds),
		Submitted:         uint64(s.submitted), Completed: uint64(s.completed), Failed: uint64(s.failed),
		Cancelled: uint64(s.cancelled), Rejected: uint64(s.rejected), Batches: uint64(s.batches),
		InflightItems: uint64(s.inflight_items), InflightBatches: uint64(s.inflight_batches),
		Expired: uint64(s.expired), AdmissionWaits: uint64(s.admission_waits),
	}, nil
}

// StatsJSON returns wg_stats_json's document: every Stats field, the
// manager's stats and the histograms (durations in ns), for encoding/json.
// ErrClosed after Close.
func (g *Grinder) StatsJSON() ([]byte, error) {
	buf := make([]byte, 1024)
	err := g.use(func(p *C.wg_grinder_t) C.int {
		for {
			var needed C.size_t
			rc := C.wg_stats_json(p, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &needed)
			if rc == C.WG_OK {
				buf = buf[:needed-1] // without the NUL
				return rc
			}
			if uint64(needed) <= uint64(len(buf)) {
				return rc // not a size problem
			}
			// Too small (the document may also grow between two calls).
			buf = make([]byte, needed)
		}
	})
	if err != nil {
		return nil, err
	}
	return buf, nil
}
