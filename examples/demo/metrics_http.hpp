// MetricsHttp: the demo's /metrics endpoint. A tiny HTTP/1.0-style server on
// its own libuv loop and thread (libuv is already the library's dependency;
// no web framework): GET /metrics answers wg_metrics_prometheus's document,
// anything else 404; one request per connection.
//
// Threads: start, port, wait_scrapes and the destructor on the demo's main
// thread; everything else on the server's loop thread.
#pragma once

#include <workgrinder/workgrinder.h>

#include <cstdint>
#include <memory>
#include <string>

class MetricsHttp {
 public:
  // Listens on 127.0.0.1:port (0: a free port the system picks). nullptr and
  // *err on failure.
  static std::unique_ptr<MetricsHttp> start(wg_grinder_t* g, int port, std::string* err);
  ~MetricsHttp();  // stops the server and joins its thread

  int port() const;
  // Blocks until n /metrics responses have been sent.
  void wait_scrapes(uint64_t n);

  struct Impl;

 private:
  explicit MetricsHttp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// p50 and p99 of the end-to-end histogram, in microseconds, from
// wg_stats_json (false if unavailable).
bool end_to_end_percentiles_us(wg_grinder_t* g, double* p50, double* p99);
