// The three usage styles: Submit and wait, Enqueue a future (cancel or wait
// with a context), and SubmitFunc with a callback.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"example.com/workgrinder"
)

func main() {
	conf := workgrinder.NewConf()
	defer conf.Close()
	for k, v := range map[string]string{"batch_size_threshold": "8", "max_wait_seconds": "0.005"} {
		if err := conf.Set(k, v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	g, err := workgrinder.NewGrinder(conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer g.Close()

	// 1. Submit and wait.
	sum, err := workgrinder.Submit(g, func() (int, error) { return 55, nil })
	fmt.Println("sum =", sum, err)

	// 2. A future: wait with a deadline, or cancel.
	f, _ := workgrinder.Enqueue(g, func() (string, error) { return "future", nil })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	v, err := f.Wait(ctx)
	cancel()
	f.Release()
	fmt.Println("waited =", v, err)

	// 3. A callback with the result (on the grinder's loop thread).
	done := make(chan int, 1)
	_ = workgrinder.SubmitFunc(g, func() (int, error) { return 42, nil }, func(v int, err error) { done <- v })
	fmt.Println("callback =", <-done)

	// A panic reaches only its caller.
	_, err = workgrinder.Submit(g, func() (int, error) { panic("oops") })
	var p *workgrinder.PanicError
	fmt.Println("panic =", errors.As(err, &p), err)
}
