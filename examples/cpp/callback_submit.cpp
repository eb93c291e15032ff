// Callback submit through the C++ wrapper. (leasepool example 08.)
#include <workgrinder/workgrinder.hpp>

#include <cstdio>

int main() {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "10"}, {"max_wait_seconds", "0.01"}});
  g.start();
  long sum = 0;  // touched only by done callbacks, which run on the loop thread
  int outcomes = 0;
  for (long i = 1; i <= 100; ++i)
    g.submit([i] { return i * i; },
             [&](wg::Result<long>& r) {
               sum += r.get();
               ++outcomes;
             });
  g.stop();  // drains: every callback has run
  std::printf("%d outcomes, sum of squares 1..100 = %ld, %llu batches\n", outcomes, sum,
              static_cast<unsigned long long>(g.stats().batches));
  return outcomes == 100 && sum == 338350 ? 0 : 1;
}
