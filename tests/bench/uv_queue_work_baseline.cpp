// Baseline: what a libuv user would write. Producers on other threads may not
// call uv_queue_work, so they hand jobs to the loop thread through a locked
// queue and uv_async_send; the loop calls uv_queue_work per job, and the
// after-work callback completes it on the loop thread (as our done does).
#include <uv.h>

#include <mutex>
#include <thread>

#include "backends.hpp"

namespace bench {

namespace {

struct UvJob {
  uv_work_t req;
  Item* item;
  void* result;
};

class UvQueueWork : public Backend {
 public:
  UvQueueWork() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, &UvQueueWork::on_async);
    async_.data = this;
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  void submit(Item* it) override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      inbox_.push_back(it);
    }
    uv_async_send(&async_);
  }
  void finish() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      closing_ = true;
    }
    uv_async_send(&async_);
    thread_.join();
    uv_loop_close(&loop_);
  }

 private:
  static void on_async(uv_async_t* h) {
    UvQueueWork* self = static_cast<UvQueueWork*>(h->data);
    std::vector<Item*> items;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      items.swap(self->inbox_);
      self->loop_closing_ = self->closing_;
    }
    for (Item* it : items) {
      UvJob* job = new UvJob;
      job->item = it;
      job->req.data = self;
      uv_queue_work(&self->loop_, &job->req, &UvQueueWork::work, &UvQueueWork::after_work);
      ++self->outstanding_;
    }
    self->maybe_close();
  }
  static void work(uv_work_t* r) {
    UvJob* job = reinterpret_cast<UvJob*>(r);
    tiny_work(job->item, &job->result);
  }
  static void after_work(uv_work_t* r, int) {
    UvJob* job = reinterpret_cast<UvJob*>(r);
    UvQueueWork* self = static_cast<UvQueueWork*>(r->data);
    job->item->complete(reinterpret_cast<uintptr_t>(job->result));
    delete job;
    --self->outstanding_;
    self->maybe_close();
  }
  void maybe_close() {
    if (loop_closing_ && outstanding_ == 0 &&
        !uv_is_closing(reinterpret_cast<uv_handle_t*>(&async_)))
      uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  }

  uv_loop_t loop_;
  uv_async_t async_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Item*> inbox_;
  bool closing_ = false;       // mu_
  bool loop_closing_ = false;  // loop thread: closing_ seen with an empty inbox
  size_t outstanding_ = 0;     // loop thread
};

}  // namespace

BackendSpec uv_queue_work_backend() {
  return {"uv_queue_work per item", true, [] { return std::make_unique<UvQueueWork>(); }};
}

}  // namespace bench
