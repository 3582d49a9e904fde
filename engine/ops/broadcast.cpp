#include "engine/ops/broadcast.h"

#include <algorithm>
#include <stdexcept>

namespace hess {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument("shapes " + to_string(a) + " and " + to_string(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_index(const Shape& in, const Shape& out) {
  const size_t r = out.size();
  const size_t lead = r - in.size();
  // Stride of each output axis in the input (0 where the input is broadcast).
  std::vector<int64_t> stride(r, 0);
  int64_t s = 1;
  for (size_t i = r; i-- > lead;) {
    const int64_t d = in[i - lead];
    stride[i] = d == 1 ? 0 : s;
    s *= d;
  }
  const int64_t n = numel(out);
  std::vector<int64_t> idx(n);
  std::vector<int64_t> pos(r, 0);
  int64_t cur = 0;
  for (int64_t f = 0; f < n; ++f) {
    idx[f] = cur;
    for (size_t i = r; i-- > 0;) {
      ++pos[i];
      cur += stride[i];
      if (pos[i] < out[i]) break;
      cur -= stride[i] * pos[i];
      pos[i] = 0;
    }
  }
  return idx;
}

}  // namespace hess
