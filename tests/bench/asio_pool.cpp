// Baseline: Boost.Asio's thread_pool with one post per job; the job completes
// itself on the pool thread.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "backends.hpp"

namespace bench {

namespace {

class AsioPool : public Backend {
 public:
  explicit AsioPool(unsigned workers) : pool_(workers) {}
  void submit(Item* it) override {
    boost::asio::post(pool_, [it] {
      void* result;
      tiny_work(it, &result);
      it->complete(reinterpret_cast<uintptr_t>(result));
    });
  }
  void finish() override { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace

BackendSpec asio_backend(unsigned workers) {
  return {"Boost.Asio thread_pool post", true,
          [workers] { return std::make_unique<AsioPool>(workers); }};
}

}  // namespace bench
