// Cancellable futures and exceptions through the C++ wrapper. (leasepool
// example 09.)
#include <workgrinder/workgrinder.hpp>

#include <cstdio>
#include <stdexcept>
#include <vector>

int main() {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "100"}, {"max_wait_seconds", "0.05"}});
  g.start();
  std::vector<wg::Future<int>> jobs;
  for (int i = 0; i < 5; ++i)
    jobs.push_back(g.enqueue([i] {
      if (i == 4) throw std::runtime_error("job 4 refuses");
      return i * 3;
    }));
  bool cancelled = jobs[2].cancel();  // still pending: removed at once
  std::printf("cancel job 2: %s\n", cancelled ? "yes" : "no");
  int good = 0;
  for (int i = 0; i < 5; ++i) {
    try {
      int v = jobs[i].get();
      std::printf("job %d -> %d\n", i, v);
      good += v == i * 3;
    } catch (const wg::Error& e) {
      std::printf("job %d -> %s\n", i, e.name());
      good += i == 2 && e.status() == WG_ECANCELED;
    } catch (const std::runtime_error& e) {
      std::printf("job %d threw: %s\n", i, e.what());
      good += i == 4;
    }
  }
  return cancelled && good == 5 ? 0 : 1;
}
