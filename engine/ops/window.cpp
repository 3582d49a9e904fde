#include "engine/ops/window.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace hess {

namespace {

std::vector<int64_t> int_list(const Node& node, const char* key, std::vector<int64_t> fallback,
                              size_t count, int64_t min) {
  std::vector<int64_t> v = node.attrs.get_ints(key, std::move(fallback));
  if (v.size() != count) {
    throw std::invalid_argument("attribute '" + std::string(key) + "' needs " +
                                std::to_string(count) + " values, got " + to_string(v));
  }
  for (int64_t x : v) {
    if (x < min) {
      throw std::invalid_argument("attribute '" + std::string(key) + "' " + to_string(v) +
                                  " has a value below " + std::to_string(min));
    }
  }
  return v;
}

int64_t out_extent(int64_t n, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1,
                   bool ceil_mode, const char* axis) {
  const int64_t span = n + p0 + p1 - (d * (k - 1) + 1);
  if (span < 0) {
    throw std::invalid_argument("the kernel's " + std::string(axis) + " " + std::to_string(k) +
                                (d > 1 ? " (dilation " + std::to_string(d) + ")" : std::string()) +
                                " is larger than the padded input's " + std::to_string(n) + " + " +
                                std::to_string(p0 + p1));
  }
  int64_t out = (ceil_mode ? ceil_div(span, s) : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= n + p0) --out;
  return out;
}

void set_stride_padding(const Node& node, std::vector<int64_t> stride_default, Window2d& w) {
  const std::vector<int64_t> s = int_list(node, "stride", std::move(stride_default), 2, 1);
  const std::vector<int64_t> p = int_list(node, "padding", {0, 0, 0, 0}, 4, 0);
  w.sh = s[0], w.sw = s[1];
  w.pt = p[0], w.pl = p[1], w.pb = p[2], w.pr = p[3];
}

}  // namespace

int64_t Window2d::out_h(int64_t H) const {
  return out_extent(H, kh, sh, dh, pt, pb, ceil_mode, "height");
}
int64_t Window2d::out_w(int64_t W) const {
  return out_extent(W, kw, sw, dw, pl, pr, ceil_mode, "width");
}

Window2d conv_window(const Node& node, int64_t kh, int64_t kw) {
  Window2d w;
  w.kh = kh, w.kw = kw;
  set_stride_padding(node, {1, 1}, w);
  const std::vector<int64_t> d = int_list(node, "dilation", {1, 1}, 2, 1);
  w.dh = d[0], w.dw = d[1];
  return w;
}

Window2d pool_window(const Node& node) {
  if (!node.attrs.has("kernel")) throw std::invalid_argument("missing attribute 'kernel'");
  const std::vector<int64_t> k = int_list(node, "kernel", {}, 2, 1);
  Window2d w;
  w.kh = k[0], w.kw = k[1];
  set_stride_padding(node, k, w);
  if (w.pt >= w.kh || w.pb >= w.kh || w.pl >= w.kw || w.pr >= w.kw) {
    throw std::invalid_argument("padding [" + std::to_string(w.pt) + ", " + std::to_string(w.pl) +
                                ", " + std::to_string(w.pb) + ", " + std::to_string(w.pr) +
                                "] is not smaller than the kernel " + to_string(k) +
                                ": a window would hold only padding");
  }
  const int64_t mode = node.attrs.get_int("ceil_mode", 0);
  if (mode != 0 && mode != 1) {
    throw std::invalid_argument("attribute 'ceil_mode' must be 0 or 1, got " +
                                std::to_string(mode));
  }
  w.ceil_mode = mode == 1;
  return w;
}

}  // namespace hess
