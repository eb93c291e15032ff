// Package service is an example HTTP service that shares one Grinder between
// its handlers the way database/sql code shares one *sql.DB: created at
// start-up, used concurrently by every request with the request's context,
// closed at shutdown.
package service

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"example.com/workgrinder"
)

// Service answers GET /square?n=N with {"n":N,"square":N*N}, computed on the
// grinder's worker threads.
type Service struct {
	G *workgrinder.Grinder
}

// Handler routes the service's endpoints.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/square", s.square)
	return mux
}

func (s *Service) square(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 32)
	if err != nil {
		http.Error(w, "n must be an integer", http.StatusBadRequest)
		return
	}
	// The request's context: a client that goes away cancels its item.
	sq, err := workgrinder.SubmitContext(r.Context(), s.G, func() (int64, error) { return n * n, nil })
	switch {
	case errors.Is(err, workgrinder.ErrClosed), errors.Is(err, workgrinder.ErrStopping),
		errors.Is(err, workgrinder.ErrFull):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"n": n, "square": sq})
	}
}
