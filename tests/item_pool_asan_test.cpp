// Under AddressSanitizer, an item's memory is poisoned while it sits in the
// item pool, so a use after free is reported although the block is recycled.
// Built only into ASan builds (tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sanitizer/asan_interface.h>

#include "item_pool.hpp"
#include "work_item.hpp"

namespace {

using wg::item_pool::kBlockSize;

int work_ok(void*, void**) { return 0; }

// All but the pool's two links at the start (LeakSanitizer must see those).
constexpr size_t kLinks = 2 * sizeof(void*);
void expect_poisoned_whole(const void* block, size_t size) {
  const char* p = static_cast<const char*>(block);
  for (size_t i = kLinks; i < size; ++i)
    ASSERT_TRUE(__asan_address_is_poisoned(p + i)) << "byte " << i << " of " << size;
}

TEST(ItemPoolAsan, AReleasedBlockIsPoisonedUntilHandedOutAgain) {
  for (auto sc : {wg::item_pool::kPlain, wg::item_pool::kWithExtras}) {
    void* b = wg::item_pool::allocate(sc);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(__asan_region_is_poisoned(b, kBlockSize[sc]), nullptr);
    wg::item_pool::release(sc, b);
    expect_poisoned_whole(b, kBlockSize[sc]);
    void* again = wg::item_pool::allocate(sc);  // the thread's cache is LIFO
    ASSERT_EQ(again, b);
    EXPECT_EQ(__asan_region_is_poisoned(again, kBlockSize[sc]), nullptr);
    wg::item_pool::release(sc, again);
  }
}

TEST(ItemPoolAsan, FreedWorkItemsArePoisoned) {
  wg::WorkItem* plain = wg::WorkItem::create(work_ok, nullptr, nullptr, false);
  wg::WorkItem* future = wg::WorkItem::create(work_ok, nullptr, nullptr, true);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(future, nullptr);
  plain->discard();
  future->discard();
  expect_poisoned_whole(plain, kBlockSize[wg::item_pool::kPlain]);
  expect_poisoned_whole(future, kBlockSize[wg::item_pool::kWithExtras]);
}

TEST(ItemPoolAsanDeathTest, TouchingAFreedItemIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  wg::WorkItem* it = wg::WorkItem::create(work_ok, nullptr, nullptr, false);
  ASSERT_NE(it, nullptr);
  it->discard();
  EXPECT_DEATH(
      {
        void* volatile arg = it->arg;  // a use after free (past the pool's links); the
                                       // variable is volatile, so -O2 keeps the load
        (void)arg;
      },
      "use-after-poison");
}

}  // namespace
