// Strict parsers for configuration values given as strings. They accept only
// the plain forms the README documents and never truncate: "1.9" is not an
// integer, " 2" is not a number, "nan" and "inf" are not durations.
#pragma once

#include <cstdint>

namespace wg {

// A plain decimal integer ([0-9]+) that fits in 64 bits.
bool parse_decimal_u64(const char* s, uint64_t* out);

// A finite decimal number: digits with an optional fraction and exponent, no
// sign, no spaces (e.g. "10", "0.25", "2.5e-3"), always with a '.' whatever
// the process's locale.
bool parse_decimal_double(const char* s, double* out);

}  // namespace wg
