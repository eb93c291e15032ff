// wg_batch_*: the batch function's view of its batch.
#include "batch_call.hpp"
#include "workgrinder/workgrinder.h"

extern "C" {

WG_API size_t wg_batch_size(const wg_batch_t* batch) { return batch ? batch->n : 0; }

WG_API void* wg_batch_arg(const wg_batch_t* batch, size_t i) {
  return (batch && i < batch->n) ? batch->items[i]->arg : nullptr;
}

WG_API uint64_t wg_batch_id(const wg_batch_t* batch) { return batch ? batch->batch->id : 0; }

WG_API int wg_batch_set(wg_batch_t* batch, size_t i, int work_code, void* result) {
  return wg::batch_set(batch, i, work_code, result);
}

}  // extern "C"
