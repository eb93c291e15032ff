package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"example.com/workgrinder"
)

func newService(t *testing.T) *Service {
	t.Helper()
	c := workgrinder.NewConf()
	defer c.Close()
	for _, kv := range [][2]string{{"batch_size_threshold", "16"}, {"max_wait_seconds", "0.002"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	g, err := workgrinder.NewGrinder(c)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{G: g}
}

func get(t *testing.T, url string) (int, map[string]int64) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]int64
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Error(err)
		}
	}
	return resp.StatusCode, body
}

func TestConcurrentRequestsEachGetTheirOwnAnswer(t *testing.T) {
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		c := c
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				n := int64(c*100 + i)
				code, body := get(t, fmt.Sprintf("%s/square?n=%d", srv.URL, n))
				if code != http.StatusOK || body["n"] != n || body["square"] != n*n {
					t.Errorf("n=%d: %d %v", n, code, body)
				}
			}
		}()
	}
	wg.Wait()
	st, err := s.G.Stats()
	if err != nil || st.Completed != 200 || st.Failed != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	if code, _ := get(t, srv.URL+"/square?n=x"); code != http.StatusBadRequest {
		t.Fatal(code)
	}
	if err := s.G.Close(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, srv.URL+"/square?n=3"); code != http.StatusServiceUnavailable {
		t.Fatal("after Close:", code)
	}
}
