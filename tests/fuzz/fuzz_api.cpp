// libFuzzer target: decodes bytes into a sequence of C ABI calls on two
// grinder slots and eight future slots (create, start, submit, enqueue,
// cancel, release, wait with timeout 0, stats, stop, destroy), with NULL
// arguments and repeated calls. Destroyed handles become NULL, so every call
// is legal by the header's contract; the sanitizers and the checks below
// catch the rest. Every accepted callback item must get exactly one outcome.
#include <workgrinder/workgrinder.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace {

std::atomic<long> g_outcomes{0};

int work(void* arg, void** result) {
  *result = nullptr;
  return static_cast<int>(reinterpret_cast<uintptr_t>(arg) % 3 == 0);  // some fail
}
void done(const wg_outcome_t* o, void*) {
  if (o->status != WG_OK && o->status != WG_EWORK && o->status != WG_ECANCELED) std::abort();
  g_outcomes.fetch_add(1);
}

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t next() {
    if (!n) return 0;
    --n;
    return *p++;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  wg_grinder_t* g[2] = {nullptr, nullptr};
  wg_future_t* f[8] = {};
  long accepted_callbacks = 0;
  g_outcomes = 0;
  for (int steps = 0; in.n && steps < 64; ++steps) {
    uint8_t op = in.next();
    uint8_t a = in.next();
    wg_grinder_t*& gs = g[a & 1];
    wg_future_t*& fs = f[(a >> 1) & 7];
    bool null_arg = (a & 0x80) != 0;
    wg_outcome_t o;
    switch (op % 12) {
      case 0:
        if (!gs) {
          wg_conf_t* c = wg_conf_new();
          wg_conf_set(c, "batch_size_threshold", (a & 0x10) ? "1" : "3", nullptr, 0);
          wg_conf_set(c, "max_wait_seconds", "0.001", nullptr, 0);
          wg_conf_set(c, "workers_per_pool", "1", nullptr, 0);
          if (wg_create(null_arg ? nullptr : &gs, c, nullptr, nullptr, 0) !=
              (null_arg ? WG_EINVAL : WG_OK))
            std::abort();
          wg_conf_destroy(c);
        }
        break;
      case 1:
        wg_start(null_arg ? nullptr : gs);
        break;
      case 2:
        if (wg_submit(null_arg ? nullptr : gs, work, reinterpret_cast<void*>(uintptr_t{a}), done,
                      nullptr) == WG_OK)
          ++accepted_callbacks;
        break;
      case 3:
        if (!fs) wg_enqueue(gs, null_arg ? nullptr : work, nullptr, nullptr, &fs);
        break;
      case 4:
        wg_future_cancel(null_arg ? nullptr : fs);
        break;
      case 5:
        wg_future_release(fs);
        fs = nullptr;
        break;
      case 6: {
        int rc = wg_future_wait(null_arg ? nullptr : fs, 0, &o);
        if (rc == WG_OK && o.status != WG_OK && o.status != WG_EWORK && o.status != WG_ECANCELED)
          std::abort();
        break;
      }
      case 7: {
        wg_stats_t s{};
        s.version = (a & 0x40) ? 0 : WG_STATS_VERSION;
        int rc = wg_stats(null_arg ? nullptr : gs, &s);
        if (rc == WG_OK && !s.started && s.pending + s.inflight_items != 0) std::abort();
        break;
      }
      case 8:
        wg_stop(null_arg ? nullptr : gs, a & 0x20);
        break;
      case 9:
        if (!null_arg) {
          wg_destroy(gs);
          gs = nullptr;
        }
        break;
      case 10:
        wg_future_done(fs);
        break;
      case 11: {
        // Sometimes a version from the future: refused with WG_EINVAL.
        wg_submit_opts_t opts = WG_SUBMIT_OPTS_INIT;
        opts.version = (a & 0x40) ? WG_SUBMIT_OPTS_VERSION + 1 : WG_SUBMIT_OPTS_VERSION;
        opts.owner = "fuzz";
        if (wg_submit_ex(gs, work, nullptr, done, nullptr, &opts) == WG_OK) ++accepted_callbacks;
        break;
      }
    }
  }
  for (auto*& x : f) {
    wg_future_release(x);
    x = nullptr;
  }
  for (auto*& x : g) {
    if (wg_destroy(x) != WG_OK) std::abort();
    x = nullptr;
  }
  if (g_outcomes.load() != accepted_callbacks) std::abort();  // exactly once
  return 0;
}
