#include "scenarios.hpp"

#include <workgrinder/workgrinder.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace bench {

namespace {

constexpr size_t kFutureWindow = 64;  // futures in flight per producer

void produce(Backend& b, std::vector<Item>& items, size_t first, size_t step, Mode mode) {
  std::deque<std::pair<void*, Item*>> window;
  for (size_t i = first; i < items.size(); i += step) {
    Item* it = &items[i];
    it->submit_ns = now_ns();
    switch (mode) {
      case Mode::kCallback:
        b.submit(it);
        break;
      case Mode::kWait:
        b.submit_wait(it);
        break;
      case Mode::kFutures:
        window.emplace_back(b.enqueue(it), it);
        if (window.size() >= kFutureWindow) {
          b.await(window.front().first, window.front().second);
          window.pop_front();
        }
        break;
    }
  }
  for (auto& [handle, it] : window) b.await(handle, it);
}

}  // namespace

namespace {
void count_usage(Result& r, const ProcessUsage& before, size_t items) {
  ProcessUsage after = ProcessUsage::now();
  r.switches_per_item = (after.switches - before.switches) / static_cast<double>(items);
  r.cpu_us_per_item = (after.cpu_us - before.cpu_us) / static_cast<double>(items);
}
}  // namespace

Result run_throughput(const BackendSpec& spec, unsigned producers, size_t n, Mode mode) {
  std::vector<Item> items(n);
  reset_peak_rss();
  double rss_start = rss_mib();
  std::unique_ptr<Backend> b = spec.make();
  ProcessUsage u0 = ProcessUsage::now();
  uint64_t t0 = now_ns();
  if (producers == 1) {
    produce(*b, items, 0, 1, mode);
  } else {
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p)
      threads.emplace_back([&, p] { produce(*b, items, p, producers, mode); });
    for (auto& t : threads) t.join();
  }
  b->finish();
  double seconds = static_cast<double>(now_ns() - t0) / 1e9;
  Result r = summarize(spec.name, items, seconds);
  count_usage(r, u0, n);
  r.peak_rss_mib = peak_rss_mib();
  r.rss_growth_mib = r.peak_rss_mib - rss_start;
  return r;
}

Result run_paced(const BackendSpec& spec, unsigned producers, size_t n, double rate) {
  std::vector<Item> items(n);
  reset_peak_rss();
  double rss_start = rss_mib();
  std::unique_ptr<Backend> b = spec.make();
  const size_t burst = 100;
  const double per_producer = rate / producers;
  uint64_t t0 = now_ns();
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      size_t sent = 0;
      for (size_t i = p; i < n; i += producers) {
        if (sent % burst == 0) {  // keep to the schedule: sleep while ahead of it
          uint64_t due = t0 + static_cast<uint64_t>(static_cast<double>(sent) / per_producer * 1e9);
          uint64_t now = now_ns();
          if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
        }
        items[i].submit_ns = now_ns();
        b->submit(&items[i]);
        ++sent;
      }
    });
  for (auto& t : threads) t.join();
  b->finish();
  Result r = summarize(spec.name, items, static_cast<double>(now_ns() - t0) / 1e9);
  r.peak_rss_mib = peak_rss_mib();
  r.rss_growth_mib = r.peak_rss_mib - rss_start;
  return r;
}

Result run_low_load(const BackendSpec& spec, size_t samples, unsigned gap_us, Mode mode) {
  std::vector<Item> items(samples);
  reset_peak_rss();
  double rss_start = rss_mib();
  std::unique_ptr<Backend> b = spec.make();
  ProcessUsage u0 = ProcessUsage::now();
  uint64_t t0 = now_ns();
  for (Item& it : items) {
    it.submit_ns = now_ns();
    if (mode == Mode::kWait) {
      b->submit_wait(&it);
    } else {
      b->submit(&it);
      b->wait(&it);
    }
    if (gap_us) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
  }
  b->finish();
  Result r = summarize(spec.name, items, static_cast<double>(now_ns() - t0) / 1e9);
  count_usage(r, u0, samples);
  r.peak_rss_mib = peak_rss_mib();
  r.rss_growth_mib = r.peak_rss_mib - rss_start;
  return r;
}

namespace {

struct FlushProbe {
  std::mutex mu;
  std::vector<uint64_t> dispatched_ns;
};

void flush_log(int, const char* message, void* opaque) {
  // "batch N started: ..." is logged when the loop dispatches a batch.
  if (std::strncmp(message, "batch ", 6) != 0 || !std::strstr(message, " started: ")) return;
  uint64_t t = now_ns();
  FlushProbe* p = static_cast<FlushProbe*>(opaque);
  std::lock_guard<std::mutex> lk(p->mu);
  p->dispatched_ns.push_back(t);
}

int stamp_start(void* arg, void** result) {
  static_cast<Item*>(arg)->value = now_ns();  // reused: when the work started
  *result = nullptr;
  return 0;
}

void flush_done(const wg_outcome_t*, void* opaque) {
  Item* it = static_cast<Item*>(opaque);
  it->complete(it->value);
}

}  // namespace

FlushAccuracy run_flush_accuracy(double max_wait, size_t samples) {
  FlushProbe probe;
  probe.dispatched_ns.reserve(samples);
  wg_conf_t* c = wg_conf_new();
  wg_conf_set(c, "batch_size_threshold", "1000000", nullptr, 0);
  wg_conf_set(c, "max_wait_seconds", std::to_string(max_wait).c_str(), nullptr, 0);
  wg_conf_set_log_cb(c, flush_log, &probe);
  wg_grinder_t* g;
  wg_create(&g, c, nullptr, nullptr, 0);
  wg_conf_destroy(c);
  wg_start(g);
  std::vector<Item> items(samples);
  uint64_t wait_ns = static_cast<uint64_t>(max_wait * 1e9);
  for (Item& it : items) {
    uint64_t start = now_ns();
    wg_submit(g, stamp_start, &it, flush_done, &it);
    it.submit_ns = start;  // stamped before the call: lateness is never flattered
    it.wait();
  }
  wg_stop(g, 0);
  wg_destroy(g);
  FlushAccuracy f;
  for (size_t i = 0; i < samples && i < probe.dispatched_ns.size(); ++i) {
    f.dispatch_late_ns.push_back(static_cast<int64_t>(probe.dispatched_ns[i] - items[i].submit_ns) -
                                 static_cast<int64_t>(wait_ns));
    f.start_late_ns.push_back(static_cast<int64_t>(items[i].value - items[i].submit_ns) -
                              static_cast<int64_t>(wait_ns));
  }
  std::sort(f.dispatch_late_ns.begin(), f.dispatch_late_ns.end());
  std::sort(f.start_late_ns.begin(), f.start_late_ns.end());
  return f;
}

namespace {
int nothing(void*, void** result) {
  *result = nullptr;
  return 0;
}
void count_done(const wg_outcome_t*, void* opaque) {
  static_cast<std::atomic<size_t>*>(opaque)->fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

MemoryResult run_memory(size_t pending, size_t total) {
  MemoryResult m;
  m.pending = pending;
  m.total = total;
  std::atomic<size_t> done{0};

  // Pending: a threshold and a wait that are never reached, then a drain. Run
  // first in the process, from this thread, so that the RSS growth is new
  // memory and not reuse of what earlier scenarios freed.
  {
    wg_conf_t* c = wg_conf_new();
    wg_conf_set(c, "batch_size_threshold", std::to_string(pending + 1).c_str(), nullptr, 0);
    wg_conf_set(c, "max_wait_seconds", "3600", nullptr, 0);
    wg_grinder_t* g;
    wg_create(&g, c, nullptr, nullptr, 0);
    wg_conf_destroy(c);
    wg_start(g);
    double before = proc_status_kib("VmRSS");
    for (size_t i = 0; i < pending; ++i) wg_submit(g, nothing, nullptr, count_done, &done);
    double after = proc_status_kib("VmRSS");
    m.bytes_per_pending_item = (after - before) * 1024 / static_cast<double>(pending);
    wg_stop(g, 0);
    wg_destroy(g);
  }

  // Many items through one grinder from 2 producers, with max_pending as the
  // back-pressure a real flood needs, in ten waves. Growth is judged from the
  // end of the first wave (thread stacks, pools, libuv and the malloc arenas
  // have reached their working size) to the end of the last.
  wg_conf_t* c = wg_conf_new();
  wg_conf_set(c, "max_pending", "65536", nullptr, 0);
  wg_grinder_t* g;
  wg_create(&g, c, nullptr, nullptr, 0);
  wg_conf_destroy(c);
  wg_start(g);
  reset_peak_rss();
  wg_submit_opts_t wait_for_room = WG_SUBMIT_OPTS_INIT;
  wait_for_room.admit_timeout_seconds = -1;
  auto run = [&](size_t count) {
    std::vector<std::thread> producers;
    for (int p = 0; p < 2; ++p)
      producers.emplace_back([&] {
        for (size_t i = 0; i < count / 2; ++i)
          if (wg_submit_ex(g, nothing, nullptr, count_done, &done, &wait_for_room) != WG_OK)
            std::abort();
      });
    for (auto& t : producers) t.join();
  };
  for (int wave = 0; wave < 10; ++wave) {
    run(total / 10);
    m.rss_waves_mib.push_back(rss_mib());
  }
  m.rss_before_mib = m.rss_waves_mib.front();
  m.rss_after_mib = m.rss_waves_mib.back();
  m.rss_peak_mib = peak_rss_mib();
  wg_stop(g, 0);
  wg_destroy(g);
  return m;
}

}  // namespace bench
