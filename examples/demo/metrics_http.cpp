#include "metrics_http.hpp"

#include <uv.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

struct MetricsHttp::Impl {
  wg_grinder_t* grinder = nullptr;
  uv_loop_t loop;
  uv_tcp_t server;
  uv_async_t stop;
  std::thread thread;
  int port = 0;
  std::mutex mu;  // guards scrapes (main thread waits on it)
  std::condition_variable cv;
  uint64_t scrapes = 0;
};

namespace {

// One connection: the request read so far, then the response being written.
struct Conn {
  uv_tcp_t tcp;
  uv_write_t write;
  MetricsHttp::Impl* owner;
  std::string request;
  std::string response;
  bool answered = false;
};

void close_conn(uv_handle_t* h) { delete static_cast<Conn*>(h->data); }

std::string metrics_document(wg_grinder_t* g) {
  size_t needed = 0;
  wg_metrics_prometheus(g, nullptr, nullptr, 0, &needed);
  std::vector<char> buf(needed + 4096);  // room to grow between the calls
  if (wg_metrics_prometheus(g, nullptr, buf.data(), buf.size(), &needed) != WG_OK) return "";
  return std::string(buf.data());
}

void on_written(uv_write_t* w, int) {
  Conn* c = static_cast<Conn*>(w->data);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), close_conn);
}

void answer(Conn* c) {
  c->answered = true;
  bool metrics =
      c->request.rfind("GET /metrics ", 0) == 0 || c->request.rfind("GET /metrics?", 0) == 0;
  std::string body = metrics ? metrics_document(c->owner->grinder) : "not found\n";
  c->response = std::string(metrics ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
                "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  uv_buf_t buf = uv_buf_init(&c->response[0], static_cast<unsigned>(c->response.size()));
  c->write.data = c;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  if (uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, on_written) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), close_conn);
    return;
  }
  if (metrics) {
    std::lock_guard<std::mutex> lk(c->owner->mu);
    ++c->owner->scrapes;
    c->owner->cv.notify_all();
  }
}

void on_alloc(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = static_cast<char*>(std::malloc(suggested));
  buf->len = buf->base ? suggested : 0;
}

void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(s->data);
  if (n > 0 && !c->answered) c->request.append(buf->base, static_cast<size_t>(n));
  std::free(buf->base);
  if (c->answered) return;
  if (n < 0 || c->request.size() > 8192) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), close_conn);
    return;
  }
  if (c->request.find("\r\n\r\n") != std::string::npos) answer(c);
}

void on_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* impl = static_cast<MetricsHttp::Impl*>(server->data);
  Conn* c = new Conn();
  c->owner = impl;
  uv_tcp_init(&impl->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read) != 0)
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), close_conn);
}

// The main thread asks to stop: close every handle, and uv_run returns.
void on_stop(uv_async_t* a) {
  uv_walk(
      a->loop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h))
          uv_close(h,
                   h->type == UV_TCP && h->data && h->data != h->loop->data ? close_conn : nullptr);
      },
      nullptr);
}

}  // namespace

MetricsHttp::MetricsHttp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<MetricsHttp> MetricsHttp::start(wg_grinder_t* g, int port, std::string* err) {
  auto impl = std::make_unique<Impl>();
  impl->grinder = g;
  uv_loop_init(&impl->loop);
  impl->loop.data = impl.get();
  uv_tcp_init(&impl->loop, &impl->server);
  impl->server.data = impl.get();
  uv_async_init(&impl->loop, &impl->stop, on_stop);
  impl->stop.data = impl.get();
  sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", port, &addr);
  int rc = uv_tcp_bind(&impl->server, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&impl->server), 16, on_connection);
  if (rc != 0) {
    *err = std::string("metrics port ") + std::to_string(port) + ": " + uv_strerror(rc);
    on_stop(&impl->stop);
    uv_run(&impl->loop, UV_RUN_DEFAULT);
    uv_loop_close(&impl->loop);
    return nullptr;
  }
  sockaddr_storage bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&impl->server, reinterpret_cast<sockaddr*>(&bound), &len);
  impl->port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { uv_run(&raw->loop, UV_RUN_DEFAULT); });
  return std::unique_ptr<MetricsHttp>(new MetricsHttp(std::move(impl)));
}

MetricsHttp::~MetricsHttp() {
  uv_async_send(&impl_->stop);
  impl_->thread.join();
  uv_loop_close(&impl_->loop);
}

int MetricsHttp::port() const { return impl_->port; }

void MetricsHttp::wait_scrapes(uint64_t n) {
  std::unique_lock<std::mutex> lk(impl_->mu);
  impl_->cv.wait(lk, [&] { return impl_->scrapes >= n; });
}

bool end_to_end_percentiles_us(wg_grinder_t* g, double* p50, double* p99) {
  size_t needed = 0;
  wg_stats_json(g, nullptr, 0, &needed);
  std::vector<char> buf(needed + 4096);
  if (wg_stats_json(g, buf.data(), buf.size(), &needed) != WG_OK) return false;
  const char* h = std::strstr(buf.data(), "\"end_to_end_ns\":{");
  const char* a = h ? std::strstr(h, "\"p50\":") : nullptr;
  const char* b = h ? std::strstr(h, "\"p99\":") : nullptr;
  if (!a || !b) return false;
  *p50 = std::strtod(a + 6, nullptr) / 1e3;
  *p99 = std::strtod(b + 6, nullptr) / 1e3;
  return true;
}
