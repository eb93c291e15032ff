#include "logger.hpp"

#include <cstdarg>
#include <cstdio>

namespace wg {

static std::string vformat(const char* fmt, va_list ap) {
  char buf[512];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) return std::string();
  return std::string(buf,
                     static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
}

void Logger::logf(int level, const char* fmt, ...) const {
  if (!fn_) return;
  va_list ap;
  va_start(ap, fmt);
  std::string line = vformat(fmt, ap);
  va_end(ap);
  fn_(level, line.c_str(), opaque_);
}

void LogLines::addf(int level, const char* fmt, ...) {
  if (!logger_.enabled()) return;
  va_list ap;
  va_start(ap, fmt);
  lines_.emplace_back(level, vformat(fmt, ap));
  va_end(ap);
}

}  // namespace wg
