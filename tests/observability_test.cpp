// wg_stats_json, wg_metrics_prometheus and the stats callback (issue 14):
// exact histogram counts after a drained run, the buffer contract, argument
// errors, and the callback on the loop thread. The documents are checked by
// real parsers in tests/check_exports.sh (python3's json, promtool).
#include <pthread.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "workgrinder/workgrinder.hpp"

using namespace wgtest;

namespace {

// The documents may grow between the size query and the copy while items
// flow: retry with the size reported, as a caller would.
template <typename Write>
std::string document(Write write) {
  size_t needed = 0;
  EXPECT_EQ(write(nullptr, 0, &needed), WG_EINVAL);  // size query
  for (;;) {
    std::vector<char> buf(needed);
    int rc = write(buf.data(), buf.size(), &needed);
    if (rc == WG_OK) {
      EXPECT_EQ(std::strlen(buf.data()) + 1, needed);
      return std::string(buf.data());
    }
    EXPECT_GT(needed, buf.size());  // the only reason to fail here
    if (needed <= buf.size()) return "";
  }
}

std::string stats_json(wg_grinder_t* g) {
  return document(
      [g](char* b, size_t n, size_t* needed) { return wg_stats_json(g, b, n, needed); });
}

std::string prometheus(wg_grinder_t* g, const char* prefix) {
  return document([=](char* b, size_t n, size_t* needed) {
    return wg_metrics_prometheus(g, prefix, b, n, needed);
  });
}

bool contains(const std::string& doc, const std::string& part) {
  return doc.find(part) != std::string::npos;
}

int work_sleep_2ms(void*, void**) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return 0;
}
int work_fail(void*, void**) { return 7; }

TEST(Observability, HistogramsCountEveryItemExactly) {
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "10"}, {"max_batch_size", "10"}, {"max_wait_seconds", "600"}});
  Counter done;
  auto on_done = [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); };
  // Three rounds of exactly 10 items (the threshold): three batches of 10,
  // whatever the loop's timing. Two items of the last round sleep 2 ms.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i)
      ASSERT_EQ(
          wg_submit(g, round == 2 && i < 2 ? work_sleep_2ms : work_ok, nullptr, on_done, &done),
          WG_OK);
    ASSERT_TRUE(done.wait_for(10 * (round + 1)));
  }
  ASSERT_EQ(wg_submit(g, work_fail, nullptr, on_done, &done), WG_OK);
  ASSERT_EQ(wg_stop(g, 0), WG_OK);  // drains the last one as a batch of 1
  std::string json = stats_json(g);
  EXPECT_TRUE(contains(json, "\"submitted\":31,\"completed\":30,\"failed\":1")) << json;
  EXPECT_TRUE(contains(json, "\"batches\":4,")) << json;
  EXPECT_TRUE(contains(json, "\"batch_size\":{\"count\":4,\"sum\":31,\"min\":1,\"max\":10,"))
      << json;
  EXPECT_TRUE(contains(json, "[10,10,3]")) << json;  // three batches of exactly 10
  EXPECT_TRUE(contains(json, "\"queue_wait_ns\":{\"count\":31,")) << json;
  EXPECT_TRUE(contains(json, "\"run_ns\":{\"count\":31,")) << json;  // a failed item ran too
  EXPECT_TRUE(contains(json, "\"end_to_end_ns\":{\"count\":31,")) << json;
  EXPECT_TRUE(contains(json, "\"manager\":{\"started\":false,")) << json;

  // The two 2 ms items: the run-time maximum is at least their sleep.
  size_t at = json.find("\"run_ns\":{");
  size_t max_at = json.find("\"max\":", at);
  EXPECT_GE(std::stoull(json.substr(max_at + 6)), 2000000ull) << json;

  std::string prom = prometheus(g, nullptr);
  EXPECT_TRUE(contains(prom,
                       "# TYPE workgrinder_items_submitted_total counter\n"
                       "workgrinder_items_submitted_total 31\n"))
      << prom;
  EXPECT_TRUE(contains(prom, "workgrinder_batch_size_items_bucket{le=\"7\"} 1\n")) << prom;
  EXPECT_TRUE(contains(prom, "workgrinder_batch_size_items_bucket{le=\"15\"} 4\n")) << prom;
  EXPECT_TRUE(contains(prom, "workgrinder_batch_size_items_bucket{le=\"+Inf\"} 4\n")) << prom;
  EXPECT_TRUE(contains(prom, "workgrinder_batch_size_items_sum 31\n")) << prom;
  EXPECT_TRUE(contains(prom, "workgrinder_end_to_end_seconds_count 31\n")) << prom;
  EXPECT_TRUE(contains(prometheus(g, "my_app"), "\nmy_app_items_pending 0\n"));
  wg_destroy(g);
}

TEST(Observability, HistogramsOffRecordNothingAndCountersStillCount) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "5"}, {"histograms", "0"}});
  Counter done;
  auto on_done = [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); };
  for (int i = 0; i < 10; ++i) ASSERT_EQ(wg_submit(g, work_ok, nullptr, on_done, &done), WG_OK);
  ASSERT_TRUE(done.wait_for(10));
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  std::string json = stats_json(g);
  EXPECT_TRUE(contains(json, "\"submitted\":10,\"completed\":10,")) << json;
  for (const char* h : {"batch_size", "queue_wait_ns", "run_ns", "end_to_end_ns"})
    EXPECT_TRUE(contains(json, std::string("\"") + h + "\":{\"count\":0,")) << h << ": " << json;
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Observability, TooSmallBufferGetsATerminatedPrefixAndTheSizeNeeded) {
  wg_grinder_t* g = make_grinder({});
  size_t needed = 0;
  char small[16];
  std::memset(small, 'x', sizeof small);
  EXPECT_EQ(wg_stats_json(g, small, sizeof small, &needed), WG_EINVAL);
  EXPECT_GT(needed, sizeof small);
  EXPECT_STREQ(small, "{\"stats\":{\"star");
  std::vector<char> buf(needed);
  EXPECT_EQ(wg_stats_json(g, buf.data(), buf.size(), nullptr), WG_OK);  // needed is optional
  EXPECT_EQ(std::strlen(buf.data()) + 1, needed);
  EXPECT_EQ(wg_stats_json(g, buf.data(), needed - 1, &needed), WG_EINVAL);  // one short

  std::memset(small, 'x', sizeof small);
  EXPECT_EQ(wg_metrics_prometheus(g, "p", small, sizeof small, &needed), WG_EINVAL);
  EXPECT_STREQ(small, "# HELP p_starte");
  buf.assign(needed, 'x');
  EXPECT_EQ(wg_metrics_prometheus(g, "p", buf.data(), buf.size(), &needed), WG_OK);
  EXPECT_EQ(std::strlen(buf.data()) + 1, needed);
  wg_destroy(g);
}

TEST(Observability, BadArguments) {
  wg_grinder_t* g = make_grinder({}, nullptr, false);
  char buf[8] = "keep";
  size_t needed = 123;
  EXPECT_EQ(wg_stats_json(nullptr, buf, sizeof buf, &needed), WG_EINVAL);
  EXPECT_EQ(wg_stats_json(g, nullptr, 8, &needed), WG_EINVAL);
  EXPECT_EQ(wg_metrics_prometheus(nullptr, nullptr, buf, sizeof buf, &needed), WG_EINVAL);
  EXPECT_EQ(wg_metrics_prometheus(g, "9starts_with_digit", buf, sizeof buf, &needed), WG_EINVAL);
  EXPECT_EQ(wg_metrics_prometheus(g, "has-dash", buf, sizeof buf, &needed), WG_EINVAL);
  EXPECT_STREQ(buf, "keep");
  EXPECT_EQ(needed, 123u);
  EXPECT_EQ(wg_conf_set_stats_cb(nullptr, nullptr, 1, nullptr), WG_EINVAL);
  wg_conf_t* c = wg_conf_new();
  EXPECT_EQ(wg_conf_set_stats_cb(
                c, [](const char*, size_t, void*) {}, 0.0 / 0.0, nullptr),
            WG_EINVAL);
  EXPECT_EQ(wg_conf_set_stats_cb(c, nullptr, 1, nullptr), WG_OK);  // off
  wg_conf_destroy(c);
  wg_destroy(g);
}

struct CallbackLog {
  Counter calls;
  std::mutex mu;
  std::vector<std::string> docs;
  std::vector<int> stop_status;  // wg_stop on the loop thread: WG_EWRONGTHREAD
  std::vector<std::string> thread_names;
  std::vector<std::chrono::steady_clock::time_point> times;
  wg_grinder_t* g = nullptr;
};

TEST(Observability, StatsCallbackFiresOnTheLoopThreadAtTheInterval) {
  CallbackLog log;
  wg_conf_t* c = make_conf({{"max_wait_seconds", "0.001"}});
  auto cb = [](const char* json, size_t len, void* opaque) {
    CallbackLog* l = static_cast<CallbackLog*>(opaque);
    char name[32] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    {
      std::lock_guard<std::mutex> lk(l->mu);
      l->docs.emplace_back(json, len);
      l->stop_status.push_back(wg_stop(l->g, 0));
      l->thread_names.push_back(name);
      l->times.push_back(std::chrono::steady_clock::now());
    }
    l->calls.add();
  };
  ASSERT_EQ(wg_conf_set_stats_cb(c, cb, 0.05, &log), WG_OK);
  char err[256];
  ASSERT_EQ(wg_create(&log.g, c, nullptr, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(wg_start(log.g), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(log.g, work_ok, nullptr, nullptr, 10, &o), WG_OK);
  ASSERT_TRUE(log.calls.wait_for(3));
  ASSERT_EQ(wg_stop(log.g, 0), WG_OK);
  int calls = log.calls.value();
  {
    std::lock_guard<std::mutex> lk(log.mu);
    for (size_t i = 0; i < log.docs.size(); ++i) {
      EXPECT_EQ(log.docs[i].rfind("{\"stats\":{\"started\":true,", 0), 0u) << log.docs[i];
      EXPECT_EQ(log.stop_status[i], WG_EWRONGTHREAD);
      EXPECT_EQ(log.thread_names[i], "wg-loop");
    }
    // libuv timers never fire early (whole milliseconds: 1 ms of slack).
    EXPECT_GE(log.times[2] - started, std::chrono::milliseconds(3 * 50 - 1));
  }
  // Stopped: no more calls.
  wg_destroy(log.g);
  EXPECT_EQ(log.calls.value(), calls);
}

// Readers on other threads while the loop records (TSan checks the sharing).
TEST(Observability, SnapshotsWhileItemsFlow) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "32"}});
  std::thread reader([g] {
    for (int i = 0; i < 100; ++i) {
      std::string json = stats_json(g);
      ASSERT_EQ(json.rfind("{\"stats\":", 0), 0u);
      ASSERT_FALSE(prometheus(g, nullptr).empty());
    }
  });
  Counter done;
  auto on_done = [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); };
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(wg_submit(g, work_ok, nullptr, on_done, &done), WG_OK);
  reader.join();
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(done.value(), 5000);
  std::string json = stats_json(g);
  EXPECT_TRUE(contains(json, "\"end_to_end_ns\":{\"count\":5000,")) << json;
  EXPECT_TRUE(contains(json, "\"queue_wait_ns\":{\"count\":5000,")) << json;
  wg_destroy(g);
}

TEST(Observability, CppWrapperReturnsTheDocuments) {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "1"}});
  g.start();
  EXPECT_EQ(g.submit([] { return 1; }).get(), 1);
  g.stop();
  std::string json = g.stats_json();
  EXPECT_EQ(json.rfind("{\"stats\":{", 0), 0u) << json;
  EXPECT_EQ(json.back(), '}');
  EXPECT_EQ(json.size(), std::strlen(json.c_str()));
  EXPECT_TRUE(contains(json, "\"run_ns\":{\"count\":1,")) << json;
  EXPECT_TRUE(contains(g.metrics_prometheus("app"), "\napp_items_completed_total 1\n"));
  EXPECT_TRUE(contains(g.metrics_prometheus(), "\nworkgrinder_batches_total 1\n"));
  try {
    g.metrics_prometheus("bad-prefix");
    FAIL() << "no exception";
  } catch (const wg::Error& e) {
    EXPECT_EQ(e.status(), WG_EINVAL);
  }
}

}  // namespace
