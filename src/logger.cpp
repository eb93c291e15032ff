#include "logger.hpp"

#include <cstdarg>
#include <cstdio>
#include <new>

namespace wg {

namespace {
constexpr size_t kLineMax = 512;  // longer lines are truncated
}

// Formats on the stack: logging never allocates, so it cannot fail (it runs
// on the loop and housekeeping threads, where a std::bad_alloc has nowhere to
// go, and on every failure path).
void Logger::logf(int level, const char* fmt, ...) const {
  if (!fn_) return;
  char line[kLineMax];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) line[0] = '\0';
  fn_(level, line, opaque_);
}

// A line kept for later needs memory: out of memory, the line is dropped
// rather than failing the locked section that logs it.
void LogLines::addf(int level, const char* fmt, ...) {
  if (!logger_.enabled()) return;
  char line[kLineMax];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  try {
    lines_.emplace_back(level, line);
  } catch (const std::bad_alloc&) {
    dropped_ = true;
  }
}

}  // namespace wg
