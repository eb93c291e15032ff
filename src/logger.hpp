// Logger: formats a line and hands it to the user's log callback, if any.
// Callers must not hold a library lock while logging (the callback is user
// code); code that decides under a lock collects lines in a LogLines and
// emits them after unlocking.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "workgrinder/workgrinder.h"

namespace wg {

class Logger {
 public:
  Logger() = default;
  Logger(wg_log_fn fn, void* opaque) : fn_(fn), opaque_(opaque) {}

  bool enabled() const { return fn_ != nullptr; }
  void emit(int level, const std::string& line) const { emit(level, line.c_str()); }
  void emit(int level, const char* line) const {
    if (fn_) fn_(level, line, opaque_);
  }
  void logf(int level, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));

 private:
  wg_log_fn fn_ = nullptr;
  void* opaque_ = nullptr;
};

// Lines decided under a lock, emitted after it is released.
class LogLines {
 public:
  explicit LogLines(const Logger& logger) : logger_(logger) {}
  ~LogLines() { flush(); }
  LogLines(const LogLines&) = delete;
  LogLines& operator=(const LogLines&) = delete;

  void addf(int level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void flush() {
    std::vector<std::pair<int, std::string>> lines;
    lines.swap(lines_);
    for (auto& l : lines) logger_.emit(l.first, l.second);
    if (dropped_) logger_.emit(WG_LOG_WARNING, "out of memory: log line(s) dropped");
    dropped_ = false;
  }

 private:
  const Logger& logger_;
  std::vector<std::pair<int, std::string>> lines_;
  bool dropped_ = false;  // a line could not be kept (out of memory)
};

}  // namespace wg
