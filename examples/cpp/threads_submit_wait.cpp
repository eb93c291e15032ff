// Many threads blocking in submit_wait through the C++ wrapper. (leasepool
// example 10.)
#include <workgrinder/workgrinder.hpp>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "8"}, {"max_wait_seconds", "0.001"}});
  g.start();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int n = t * 200 + i;
        if (g.submit_wait([n] { return n + 1; }, 10.0) != n + 1) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  wg::Stats s = g.stats();
  std::printf("16 threads x 200 waits: %llu completed in %llu batches, %d wrong\n",
              static_cast<unsigned long long>(s.completed),
              static_cast<unsigned long long>(s.batches), wrong.load());
  return wrong == 0 && s.completed == 3200 ? 0 : 1;
}
