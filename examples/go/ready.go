package workgrinder

// Delivery of ready items: the C shim queues each ready job's id
// (ready_queue.c) instead of calling into Go from the worker or the loop
// thread; one goroutine per process takes the ids in bulk through a blocking
// cgo call and closes their channels (a future's, or a Submit's waiting
// without a future). It runs while any grinder is alive: the first
// grinder created starts it, the last one closed stops it, once every
// notification of its items was delivered (Close waits for that).

/*
#include "ready_queue.h"
*/
import "C"

import "sync"

// readyBatch is how many ids one take returns at most.
const readyBatch = 1024

var (
	readyMu      sync.Mutex
	readyUsers   int           // grinders alive
	readyStopped chan struct{} // closed when the running taker returns
)

// holdReady is called once per grinder created: the first starts the taker.
func holdReady() {
	readyMu.Lock()
	defer readyMu.Unlock()
	readyUsers++
	if readyUsers == 1 {
		readyStopped = make(chan struct{})
		go takeReady(readyStopped)
	}
}

// dropReady is called once per grinder closed, after its items were all
// delivered: the last one stops the taker and waits until it has returned
// (the queue is empty then: only live grinders' items push ids).
func dropReady() {
	readyMu.Lock()
	defer readyMu.Unlock()
	readyUsers--
	if readyUsers == 0 {
		C.wg_go_ready_stop()
		<-readyStopped
	}
}

func takeReady(stopped chan struct{}) {
	defer close(stopped)
	buf := make([]C.wg_go_ready_t, readyBatch)
	for {
		n := int(C.wg_go_ready_take(&buf[0], C.size_t(len(buf))))
		if n == 0 {
			return
		}
		for _, r := range buf[:n] {
			readyJob(uintptr(r.id), int(r.status))
		}
	}
}

// readyJob delivers a ready item: its entry goes before its channel closes,
// so a caller that waited sees the registry without it. status is the
// outcome's for a submission without a future (unused for a future's).
func readyJob(id uintptr, status int) {
	j := takeJob(id)
	j.status = status
	close(j.ready)
	j.untracked()
}
