package main

// 1–5 ms jobs (a random time.Sleep, the same sequence for both sides) from
// sleepCallers goroutines. Ours runs sleepSlots of them at once (4 batches in
// flight, each on its own pool of 64 workers); the baselines are bounded
// alike: a chan pool of sleepSlots goroutines, and plain goroutines that take
// a semaphore of sleepSlots around the call. The batch handler is the other
// use of the same wait: one 1–5 ms call per batch (one round trip for the
// whole batch, as a database write is), against the pool's call per item.

import (
	"math/rand"
	"strconv"
	"time"

	"example.com/workgrinder"
)

const (
	sleepCallers = 1000
	sleepSlots   = 256
)

// sleeps gives caller c's durations: 1–5 ms, reproducible per caller.
func sleeps(c, n int) []time.Duration {
	r := rand.New(rand.NewSource(int64(c) + 1))
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = time.Millisecond + time.Duration(r.Int63n(int64(4*time.Millisecond)))
	}
	return d
}

func sleepScenarios(perCaller int) ([]scenario, []func()) {
	total := sleepCallers * perCaller
	plan := make([][]time.Duration, sleepCallers)
	for c := range plan {
		plan[c] = sleeps(c, perCaller)
	}
	shape := []string{"workers_per_pool", "64", "min_pools", "4", "max_pools", "4", "max_inflight_batches", "4"}
	cw, descW := conf(append(shape, "batch_size_threshold", "1")...)
	g, err := workgrinder.NewGrinder(cw)
	must(err)
	cw.Close()
	cq, descQ := conf(append(shape, "batch_size_threshold", "64", "max_wait_seconds", "0.0005")...)
	gq, err := workgrinder.NewGrinder(cq)
	must(err)
	cq.Close()
	cb, descB := conf("workers_per_pool", "1", "min_pools", "8", "max_pools", "8",
		"max_inflight_batches", "8", "batch_size_threshold", "1")
	b, err := workgrinder.NewBatchGrinder(cb, func(items []workgrinder.BatchItem[time.Duration, time.Duration]) {
		time.Sleep(items[0].Arg())
		for _, it := range items {
			_ = it.Set(it.Arg())
		}
	})
	must(err)
	cb.Close()

	pool := newChanPool(sleepSlots)
	slots := strconv.Itoa(sleepSlots)
	poolName := "chan pool, " + slots + " goroutines"
	sleep := func(d time.Duration) func() (time.Duration, error) {
		return func() (time.Duration, error) { time.Sleep(d); return d, nil }
	}
	checkD := func(got, want time.Duration) { check(int(got), int(want)) }
	viaPool := func(sendAll bool) int {
		fanOut(sleepCallers, func(c int) {
			reply := make(chan int, perCaller)
			for i, d := range plan[c] {
				d := d
				p := poolJob{fn: func() int { time.Sleep(d); return int(d) }, reply: reply}
				pool.jobs <- p
				if !sendAll {
					check(<-reply, int(plan[c][i]))
				}
			}
			if sendAll { // replies come in any order: checked by their sum
				got, want := 0, 0
				for _, d := range plan[c] {
					got, want = got+<-reply, want+int(d)
				}
				check(got, want)
			}
		})
		return total
	}
	scenarios := []scenario{
		{name: "1-5 ms: Submit, 1,000 goroutines", ours: descW, baseline: poolName + ", wait each",
			runOurs: func() int {
				fanOut(sleepCallers, func(c int) {
					for _, d := range plan[c] {
						v, err := workgrinder.Submit(g, sleep(d))
						must(err)
						checkD(v, d)
					}
				})
				return total
			},
			runBase: func() int { return viaPool(false) }},
		{name: "1-5 ms: Submit, 1,000 goroutines", ours: descW, baseline: "goroutines + semaphore of " + slots,
			runOurs: func() int {
				fanOut(sleepCallers, func(c int) {
					for _, d := range plan[c] {
						v, err := workgrinder.Submit(g, sleep(d))
						must(err)
						checkD(v, d)
					}
				})
				return total
			},
			runBase: func() int {
				sem := make(chan struct{}, sleepSlots)
				fanOut(sleepCallers, func(c int) {
					for _, d := range plan[c] {
						sem <- struct{}{}
						time.Sleep(d)
						<-sem
					}
				})
				return total
			}},
		{name: "1-5 ms: Enqueue all, then wait all", ours: descQ, baseline: poolName + ", send all",
			runOurs: func() int {
				fanOut(sleepCallers, func(c int) {
					fs := make([]*workgrinder.Future[time.Duration], len(plan[c]))
					for i, d := range plan[c] {
						f, err := workgrinder.Enqueue(gq, sleep(d))
						must(err)
						fs[i] = f
					}
					for i, f := range fs {
						v, err := f.Wait(bg)
						must(err)
						checkD(v, plan[c][i])
						f.Release()
					}
				})
				return total
			},
			runBase: func() int { return viaPool(true) }},
		{name: "1-5 ms: BatchGrinder.Submit, one per batch", ours: descB, baseline: poolName + ", wait each",
			runOurs: func() int {
				fanOut(sleepCallers, func(c int) {
					for _, d := range plan[c] {
						v, err := b.Submit(d)
						must(err)
						checkD(v, d)
					}
				})
				return total
			},
			runBase: func() int { return viaPool(false) }},
	}
	closers := []func(){pool.close, func() { must(g.Close()) }, func() { must(gq.Close()) },
		func() { must(b.Close()) }}
	return scenarios, closers
}
