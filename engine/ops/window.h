#pragma once
// Sliding windows over the spatial axes of [B, C, H, W], shared by conv2d and pooling.
//
// A window of kernel extent k, dilation d and stride s slides over an axis of extent n padded by
// p0 before and p1 after. Output position o reads input positions o·s − p0 + i·d, i = 0…k−1; those
// outside [0, n) are padding. The output extent is
//
//   floor((n + p0 + p1 − (d(k − 1) + 1)) / s) + 1          (ceil instead of floor in ceil_mode)
//
// and, in ceil_mode, a last window that would start in the trailing padding is dropped (PyTorch's
// rule), so every window overlaps the input.
//
//   Window2d w = pool_window(node);          // kernel, stride, padding, ceil_mode attributes
//   int64_t OH = w.out_h(28), OW = w.out_w(28);

#include <array>
#include <cstdint>

#include "engine/graph.h"

namespace hess {

struct Window2d {
  int64_t kh = 1, kw = 1;                  // kernel extent (before dilation)
  int64_t sh = 1, sw = 1;                  // stride
  int64_t dh = 1, dw = 1;                  // dilation
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // padding: top, left, bottom, right
  bool ceil_mode = false;

  // Output extents; throw std::invalid_argument when the dilated kernel exceeds the padded input.
  int64_t out_h(int64_t H) const;
  int64_t out_w(int64_t W) const;
};

// The window of a conv2d node whose weight has spatial extent kh x kw: attributes `stride` [1, 1],
// `padding` [t, l, b, r] (0), `dilation` [1, 1]. Throws std::invalid_argument naming a malformed
// attribute.
Window2d conv_window(const Node& node, int64_t kh, int64_t kw);
// The window of a pooling node: attributes `kernel` [kh, kw] (required), `stride` (the kernel),
// `padding` [t, l, b, r] (0), `ceil_mode` (0). Every padding must be smaller than the kernel along
// its axis, so no window lies entirely in the padding.
Window2d pool_window(const Node& node);

// Integer division rounding up, for any sign of `a` and b > 0.
inline int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// The output positions [lo, hi) along one axis whose kernel tap at input offset `off` (= i·d − p0)
// falls inside [0, n): o·s + off ∈ [0, n).
inline void valid_range(int64_t n, int64_t s, int64_t off, int64_t out, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : ceil_div(-off, s);
  hi = ceil_div(n - off, s);
  if (hi > out) hi = out;
  if (lo > hi) lo = hi;
}

}  // namespace hess
