#include "strict_number.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

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
  // from_chars, unlike strtod, ignores the process's locale: "0.25" is a
  // quarter under de_DE too. Overflow and underflow are out of range.
  double v = 0;
  std::from_chars_result r = std::from_chars(s, p, v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != p || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace wg
