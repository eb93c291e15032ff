// The allocator behind each submitted item. Tests swap it for one that fails
// on demand (allocation-failure injection); it is not part of the C ABI.
#pragma once

#include <cstddef>

namespace wg {

using AllocateFn = void* (*)(size_t size);

void* allocate(size_t size);  // nullptr when out of memory
void deallocate(void* p);
// True while a test allocator is set.
bool allocator_is_replaced();

// Tests only: nullptr restores malloc. Blocks allocated by either must be
// freed with deallocate (free).
void set_allocator_for_testing(AllocateFn fn);

}  // namespace wg
