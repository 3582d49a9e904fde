#pragma once
// Numbers in status messages: shortest "%.4g" form (1.234e-09, 0.5, 1200), not std::to_string's
// fixed six decimals that print small residuals as 0.000000.

#include <cstdio>
#include <string>

namespace hess {

inline std::string format_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

}  // namespace hess
