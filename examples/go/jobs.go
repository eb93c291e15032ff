package workgrinder

// The registry of submitted jobs: a job crosses C only as its id. Unlike a
// cgo.Handle, a lookup of an id that is gone returns nil: the entry goes as
// soon as the item's outcome is consumed (ready processed, done called), which
// may be before a worker starts the item it was cancelled under, and no
// release callback from C is needed (each one costs a C-to-Go transition).

import (
	"sync"
	"sync/atomic"
)

// jobShards spreads the submitting, working and delivering goroutines over
// several locks; ids are sequential, so consecutive items use different ones.
const jobShards = 64

type jobShard struct {
	mu sync.Mutex
	m  map[uintptr]*job
	_  [48]byte // one shard per cache line: the locks are hot
}

var (
	jobTable [jobShards]jobShard
	jobNext  atomic.Uintptr // ids start at 1 and are never reused
)

func init() {
	for i := range jobTable {
		jobTable[i].m = map[uintptr]*job{}
	}
}

// addJob registers j and returns its id.
func addJob(j *job) uintptr {
	id := jobNext.Add(1)
	s := &jobTable[id%jobShards]
	s.mu.Lock()
	s.m[id] = j
	s.mu.Unlock()
	liveHandles.Add(1)
	return id
}

// getJob returns the job, or nil once its entry is gone.
func getJob(id uintptr) *job {
	s := &jobTable[id%jobShards]
	s.mu.Lock()
	j := s.m[id]
	s.mu.Unlock()
	return j
}

// takeJob removes the entry and returns its job; nil if it was gone already.
func takeJob(id uintptr) *job {
	s := &jobTable[id%jobShards]
	s.mu.Lock()
	j, ok := s.m[id]
	delete(s.m, id)
	s.mu.Unlock()
	if ok {
		liveHandles.Add(-1)
	}
	return j
}
