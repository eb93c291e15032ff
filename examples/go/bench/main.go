// Command bench measures the Go binding against what a Go user writes
// instead, in one process: a goroutine worker pool fed by a channel, and
// plain goroutines bounded by a semaphore. Two workloads: tiny jobs (x+1)
// and 1–5 ms jobs (a random time.Sleep) called from 1,000 goroutines; each
// through Submit, Enqueue (futures) and a BatchGrinder's handler.
//
// Each scenario runs ours and its baseline alternately for R rounds (the
// machine's noise then hits both alike) and prints the median items/s of
// each and the median of the per-round ratios ours/baseline (min..max).
// Every result is checked; a wrong one ends the program with status 1.
//
//	go run ./bench            # R=5
//	go run ./bench -short     # R=1, small N: a smoke run
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"example.com/workgrinder"
)

// run is one timed pass of one side; it returns how many items it did.
type run func() int

// scenario pairs one way of using ours with what a Go user writes instead.
type scenario struct {
	name, ours, baseline string // baseline names what ours is compared with
	runOurs, runBase     run
}

func main() {
	short := flag.Bool("short", false, "one round with few items (a smoke run)")
	rounds := flag.Int("rounds", 5, "interleaved rounds per scenario")
	tinyN := flag.Int("tiny", 100000, "tiny jobs per run")
	perCaller := flag.Int("sleeps", 20, "1–5 ms calls per goroutine per run (1,000 goroutines)")
	only := flag.String("run", "", "only the scenarios whose name contains this (for profiling)")
	flag.Parse()
	if *short {
		*rounds, *tinyN, *perCaller = 1, 20000, 2
	}
	procs := runtime.GOMAXPROCS(0)
	fmt.Printf("Go binding vs Go's own tools; GOMAXPROCS %d, %d round(s), ratio = ours/baseline items/s\n",
		procs, *rounds)
	var all []scenario
	var closers []func()
	all, closers = tinyScenarios(procs, *tinyN)
	s, c := sleepScenarios(*perCaller)
	all, closers = append(all, s...), append(closers, c...)
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	var chosen []scenario
	for _, sc := range all {
		if strings.Contains(sc.name, *only) {
			chosen = append(chosen, sc)
		}
	}
	fmt.Printf("%-44s %-36s %12s %12s %9s  %s\n", "scenario", "baseline", "ours/s", "baseline/s",
		"cgo/item", "ratio median (min..max)")
	for _, sc := range chosen {
		report(sc, *rounds)
	}
	fmt.Println("cgo/item: Go-to-C calls per item of ours (runtime.NumCgoCall); calls from C into Go are not counted")
	fmt.Println("configurations:")
	for _, sc := range chosen {
		fmt.Printf("  %-42s ours: %s\n", sc.name, sc.ours)
	}
}

// report runs sc's two sides alternately and prints its row.
func report(sc scenario, rounds int) {
	var ours, base, ratios []float64
	var calls, items int64
	for r := 0; r < rounds; r++ {
		c0 := runtime.NumCgoCall()
		o, n := rate(sc.runOurs)
		calls, items = calls+runtime.NumCgoCall()-c0, items+int64(n)
		b, _ := rate(sc.runBase)
		ours, base, ratios = append(ours, o), append(base, b), append(ratios, o/b)
	}
	lo, hi := minMax(ratios)
	fmt.Printf("%-44s %-36s %12.0f %12.0f %9.2f  %.2fx (%.2f..%.2f)\n", sc.name, sc.baseline,
		median(ours), median(base), float64(calls)/float64(items), median(ratios), lo, hi)
}

// rate runs r once: its items per second, and its items.
func rate(r run) (float64, int) {
	start := time.Now()
	n := r()
	return float64(n) / time.Since(start).Seconds(), n
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(v []float64) (float64, float64) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi
}

// must ends the program on an error: a benchmark that lost an item is void.
func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func check(got, want int) {
	if got != want {
		must(fmt.Errorf("wrong result %d, want %d", got, want))
	}
}

// conf builds a configuration from key, value pairs and describes it.
func conf(kv ...string) (*workgrinder.Conf, string) {
	c := workgrinder.NewConf()
	var desc []string
	for i := 0; i < len(kv); i += 2 {
		must(c.Set(kv[i], kv[i+1]))
		desc = append(desc, kv[i]+"="+kv[i+1])
	}
	return c, strings.Join(desc, " ")
}

// fanOut runs body(caller) on callers goroutines and waits for them all.
func fanOut(callers int, body func(caller int)) {
	var wg sync.WaitGroup
	wg.Add(callers)
	for c := 0; c < callers; c++ {
		go func(c int) {
			defer wg.Done()
			body(c)
		}(c)
	}
	wg.Wait()
}

// chanPool is the Go user's worker pool: workers goroutines ranging over one
// channel of jobs; each job answers on the reply channel it carries.
type chanPool struct{ jobs chan poolJob }

type poolJob struct {
	fn    func() int
	reply chan int
}

func newChanPool(workers int) *chanPool {
	p := &chanPool{jobs: make(chan poolJob)}
	for i := 0; i < workers; i++ {
		go func() {
			for j := range p.jobs {
				j.reply <- j.fn()
			}
		}()
	}
	return p
}

func (p *chanPool) close() { close(p.jobs) }
