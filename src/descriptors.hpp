// Descriptor headroom: libuv 1.44 calls abort() instead of returning an error
// when uv_loop_init cannot create its process-wide signal pipe, so a grinder
// checks that enough descriptors are free before it creates its loop.
#pragma once

namespace wg {

// What a grinder's loop takes: uv_loop_init needs an epoll descriptor, the
// loop's signal pipe (2) and, the first time in a process, libuv's global
// signal pipe (2); uv_async_init an eventfd. Measured with libuv 1.44: 6 free
// descriptors start a loop, 1 or 2 abort, 3 to 5 fail with EMFILE.
constexpr int kLoopDescriptors = 6;

// True if the process can open n more descriptors right now. It opens and
// closes them, so another thread may take them in between: a best effort that
// turns the common case (descriptors used up) into an error. Any thread.
bool descriptors_available(int n);

}  // namespace wg
