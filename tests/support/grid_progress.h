#pragma once
// Progress of a landscape grid as its surface file shows it: points not yet evaluated hold -1
// (loss-landscape's fill value).

#include <vector>

namespace hess::test {

// The number of entries of a loss array that hold an evaluated point.
inline int count_computed(const std::vector<double>& losses) {
  int n = 0;
  for (double e : losses) n += e != -1.0;
  return n;
}

}  // namespace hess::test
