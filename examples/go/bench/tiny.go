package main

// Tiny jobs (x+1) from tinyCallers goroutines. The baseline pool has
// GOMAXPROCS workers, and so has ours (one worker per pool, one pool per
// batch in flight). Callers that wait for each item use
// batch_size_threshold 1 (the README's advice: batches form by themselves
// while the slots are busy); callers that queue many use 64.

import (
	"context"
	"strconv"

	"example.com/workgrinder"
)

const tinyCallers = 64

func tinyScenarios(procs, n int) ([]scenario, []func()) {
	perCaller := n / tinyCallers
	total := perCaller * tinyCallers
	workers := strconv.Itoa(procs)
	waiting := []string{"workers_per_pool", "1", "min_pools", workers, "max_pools", workers,
		"max_inflight_batches", workers, "batch_size_threshold", "1"}
	queueing := []string{"workers_per_pool", "1", "min_pools", workers, "max_pools", workers,
		"max_inflight_batches", workers, "batch_size_threshold", "64", "max_wait_seconds", "0.0005"}

	pool := newChanPool(procs)
	poolName := "chan pool, " + workers + " goroutines"

	cw, descW := conf(waiting...)
	g, err := workgrinder.NewGrinder(cw)
	must(err)
	cq, descQ := conf(queueing...)
	gq, err := workgrinder.NewGrinder(cq)
	must(err)
	handler := func(items []workgrinder.BatchItem[int, int]) {
		for _, it := range items {
			_ = it.Set(it.Arg() + 1)
		}
	}
	bw, err := workgrinder.NewBatchGrinder(cw, handler)
	must(err)
	bq, err := workgrinder.NewBatchGrinder(cq, handler)
	must(err)
	cw.Close()
	cq.Close()

	plusOne := func(x int) func() (int, error) { return func() (int, error) { return x + 1, nil } }
	scenarios := []scenario{
		{name: "tiny: Submit, 64 goroutines", ours: descW, baseline: poolName + ", wait each",
			runOurs: func() int {
				fanOut(tinyCallers, func(c int) {
					for i := 0; i < perCaller; i++ {
						v, err := workgrinder.Submit(g, plusOne(i))
						must(err)
						check(v, i+1)
					}
				})
				return total
			},
			runBase: func() int { return poolWaitEach(pool, tinyCallers, perCaller) }},
		{name: "tiny: Enqueue all, then wait all", ours: descQ, baseline: poolName + ", send all",
			runOurs: func() int {
				fanOut(tinyCallers, func(c int) {
					fs := make([]*workgrinder.Future[int], perCaller)
					for i := range fs {
						f, err := workgrinder.Enqueue(gq, plusOne(i))
						must(err)
						fs[i] = f
					}
					waitAll(fs)
				})
				return total
			},
			runBase: func() int { poolSendAll(pool, tinyCallers, perCaller); return total }},
		{name: "tiny: BatchGrinder.Submit, 64 goroutines", ours: descW, baseline: poolName + ", wait each",
			runOurs: func() int {
				fanOut(tinyCallers, func(c int) {
					for i := 0; i < perCaller; i++ {
						v, err := bw.Submit(i)
						must(err)
						check(v, i+1)
					}
				})
				return total
			},
			runBase: func() int { return poolWaitEach(pool, tinyCallers, perCaller) }},
		{name: "tiny: BatchGrinder.Enqueue all, wait all", ours: descQ, baseline: poolName + ", send all",
			runOurs: func() int {
				fanOut(tinyCallers, func(c int) {
					fs := make([]*workgrinder.Future[int], perCaller)
					for i := range fs {
						f, err := bq.Enqueue(i)
						must(err)
						fs[i] = f
					}
					waitAll(fs)
				})
				return total
			},
			runBase: func() int { poolSendAll(pool, tinyCallers, perCaller); return total }},
	}
	closers := []func(){pool.close,
		func() { must(g.Close()) }, func() { must(gq.Close()) },
		func() { must(bw.Close()) }, func() { must(bq.Close()) }}
	return scenarios, closers
}

var bg = context.Background()

// waitAll waits for futures of i+1 for i = 0.. in order and releases them.
func waitAll(fs []*workgrinder.Future[int]) {
	for i, f := range fs {
		v, err := f.Wait(bg)
		must(err)
		check(v, i+1)
		f.Release()
	}
}

// poolWaitEach: each caller sends one job and waits for its reply, perCaller
// times (a reply channel per caller, reused, as a careful user writes it).
func poolWaitEach(p *chanPool, callers, perCaller int) int {
	fanOut(callers, func(c int) {
		reply := make(chan int, 1)
		for i := 0; i < perCaller; i++ {
			x := i
			p.jobs <- poolJob{fn: func() int { return x + 1 }, reply: reply}
			check(<-reply, i+1)
		}
	})
	return callers * perCaller
}

// poolSendAll: each caller sends all its jobs, then collects every reply.
// Replies may come back in any order: they are checked by their sum.
func poolSendAll(p *chanPool, callers, perCaller int) {
	fanOut(callers, func(c int) {
		reply := make(chan int, perCaller)
		for i := 0; i < perCaller; i++ {
			x := i
			p.jobs <- poolJob{fn: func() int { return x + 1 }, reply: reply}
		}
		sum := 0
		for i := 0; i < perCaller; i++ {
			sum += <-reply
		}
		check(sum, perCaller*(perCaller+1)/2)
	})
}
