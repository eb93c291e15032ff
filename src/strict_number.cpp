#include "strict_number.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace wg {

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool parse_decimal_u64(const char* s, uint64_t* out) {
  if (s == nullptr || *s == '\0') return false;
  uint64_t v = 0;
  for (const char* p = s; *p; ++p) {
    if (!is_digit(*p)) return false;
    uint64_t d = static_cast<uint64_t>(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // overflow
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool parse_decimal_double(const char* s, double* out) {
  if (s == nullptr || *s == '\0') return false;
  const char* p = s;
  int mantissa_digits = 0;
  while (is_digit(*p)) ++p, ++mantissa_digits;
  if (*p == '.') {
    ++p;
    while (is_digit(*p)) ++p, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (*p == 'e' || *p == 'E') {
    ++p;
    if (*p == '+' || *p == '-') ++p;
    if (!is_digit(*p)) return false;
    while (is_digit(*p)) ++p;
  }
  if (*p != '\0') return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end != p || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace wg
