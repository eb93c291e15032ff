// Logging: batch start/finish/cancel and lease events reach the callback.
#include <mutex>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

struct Lines {
  std::mutex mu;
  std::vector<std::pair<int, std::string>> v;
  static void log(int level, const char* msg, void* o) {
    auto* l = static_cast<Lines*>(o);
    std::lock_guard<std::mutex> lk(l->mu);
    l->v.emplace_back(level, msg);
  }
  int count_prefix(const std::string& p) {
    std::lock_guard<std::mutex> lk(mu);
    int n = 0;
    for (auto& x : v) n += x.second.find(p) != std::string::npos;
    return n;
  }
};

TEST(Logging, BatchAndLeaseEventsAreLogged) {
  Lines lines;
  wg_conf_t* c = make_conf(
      {{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}, {"owner_prefix", "ingest"}});
  ASSERT_EQ(wg_conf_set_log_cb(c, Lines::log, &lines), WG_OK);
  wg_grinder_t* g;
  ASSERT_EQ(wg_create(&g, c, nullptr, nullptr, 0), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_outcome_t o;
  wg_future_t* f;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f), WG_OK);
  ASSERT_EQ(wg_submit_wait(g, work_ok, nullptr, nullptr, 10, &o), WG_OK);
  ASSERT_EQ(wg_future_wait(f, 10, &o), WG_OK);
  wg_future_release(f);
  // Two more, cancelled in flight by a cancelling stop.
  static Gate gate;
  ASSERT_EQ(wg_submit(g, work_gate, &gate, nullptr, nullptr), WG_OK);
  ASSERT_EQ(wg_submit(g, work_gate, &gate, nullptr, nullptr), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(2));
  ASSERT_EQ(wg_stop(g, 1), WG_OK);
  gate.open();
  EXPECT_EQ(lines.count_prefix("batch 1 started: 2 item(s), lease owner ingest-1"), 1);
  EXPECT_EQ(lines.count_prefix("batch 1 finished: 2 ok, 0 failed, 0 cancelled"), 1);
  EXPECT_EQ(lines.count_prefix("lease 1 acquired by ingest-1"), 1);
  EXPECT_EQ(lines.count_prefix("lease 1 released by ingest-1"), 1);
  EXPECT_EQ(lines.count_prefix("batch 2 cancelled in flight: 2 item(s)"), 1);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
