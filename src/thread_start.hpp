// Every thread the library starts (loop, housekeeping, workers) is created
// here, so that tests can make the Nth creation fail as the system would
// (std::system_error, EAGAIN) and check that every caller survives it. Not
// part of the C ABI.
#pragma once

#include <cerrno>
#include <system_error>
#include <thread>
#include <utility>

namespace wg {

// Returns true when this creation must fail. Tests only.
using ThreadStartFailFn = bool (*)();

// nullptr (the default) restores normal creation.
void set_thread_start_failure_for_testing(ThreadStartFailFn fn);
bool thread_start_refused();

// std::thread(f), or std::system_error when the test hook refuses.
template <typename F>
std::thread start_thread(F&& f) {
  if (thread_start_refused())
    throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
  return std::thread(std::forward<F>(f));
}

}  // namespace wg
