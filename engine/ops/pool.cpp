#include "engine/ops/pool.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/ops/window.h"

namespace hess {

// Pooling acts on each image (b, c) of x [B, C, H, W] alone, so k tangent columns [k, B, C, H, W]
// are simply k·B·C images with the same windows. Every pooling op is linear in x once its windows
// (and, for max pooling, the position of each window's maximum) are fixed:
//   tangent ẏ = A ẋ,  adjoint x̄ += Aᵀ ȳ,  adjoint_tangent x̄̇ += Aᵀ ȳ̇   (no curvature term).

namespace {

void check_image(const Shape& x) {
  if (x.size() != 4) throw std::invalid_argument("input must be [B, C, H, W], got " + to_string(x));
}

Shape pooled_shape(const Node& node, const Shape& x) {
  check_image(x);
  const Window2d w = pool_window(node);
  return Shape{x[0], x[1], w.out_h(x[2]), w.out_w(x[3])};
}

struct PoolGeom {
  int64_t images, H, W, OH, OW;  // images = B·C of the value
  Window2d win;
  template <class T>
  explicit PoolGeom(const OpCall<T>& c) {
    const Shape& x = c.in(0).val.shape();
    images = x[0] * x[1], H = x[2], W = x[3];
    win = pool_window(c.node);
    OH = win.out_h(H), OW = win.out_w(W);
  }
  int64_t in_size() const { return images * H * W; }
  int64_t out_size() const { return images * OH * OW; }
};

// One axis of the windows: for output position o, the input range [lo, hi) it covers and its
// extent clipped to the padded input (padding included).
struct AxisWindows {
  std::vector<int64_t> lo, hi, cells;
  AxisWindows(int64_t n, int64_t out, int64_t k, int64_t s, int64_t p0, int64_t p1)
      : lo(out), hi(out), cells(out) {
    for (int64_t o = 0; o < out; ++o) {
      const int64_t start = o * s - p0;
      const int64_t end = std::min(start + k, n + p1);
      lo[o] = std::max<int64_t>(start, 0);
      hi[o] = std::min(end, n);
      cells[o] = end - start;
    }
  }
};

// Calls f(out, in, h0, h1, w0, w1, cells) for every window of `images` images: `out` is the flat
// output index, `in` the flat index of the image's first input element, [h0, h1) x [w0, w1) the
// window clipped to the input, `cells` its extent clipped to the padded input (padding included).
template <class F>
void for_windows(const PoolGeom& g, int64_t images, F&& f) {
  const Window2d& w = g.win;
  const AxisWindows rows(g.H, g.OH, w.kh, w.sh, w.pt, w.pb),
      cols(g.W, g.OW, w.kw, w.sw, w.pl, w.pr);
  for (int64_t img = 0; img < images; ++img) {
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const int64_t out = (img * g.OH + oh) * g.OW;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        f(out + ow, img * g.H * g.W, rows.lo[oh], rows.hi[oh], cols.lo[ow], cols.hi[ow],
          rows.cells[oh] * cols.cells[ow]);
      }
    }
  }
}

// Where each window's maximum lies, as the value rule keeps it: for windows of at most 256 cells
// one byte per window in out.code, its position in the (unclipped) window, row-major; for larger
// windows its flat input index in out.idx. A byte is an eighth of what kept batches hold for it
// (the benchmark CNN's two poolings over its 2,048 images: 3.6 MB instead of 28.7 MB).
class ArgmaxMap {
 public:
  static constexpr int64_t kMaxCodedCells = 256;

  template <class T>
  ArgmaxMap(const PoolGeom& g, const Slot<T>& out)
      : g_(g), code_(out.code.data()), idx_(out.idx.data()), coded_(coded(g.win)) {
    if (!coded_) return;
    offset_.resize(g.win.kh * g.win.kw);
    for (int64_t c = 0; c < g.win.kh * g.win.kw; ++c)
      offset_[c] = c / g.win.kw * g.W + c % g.win.kw;
  }

  static bool coded(const Window2d& w) { return w.kh * w.kw <= kMaxCodedCells; }

  // Calls f(e, i) for each window e of image img: i the flat input index of its maximum.
  template <class F>
  void for_image(int64_t img, F&& f) const {
    const int64_t per = g_.OH * g_.OW, first = img * per;
    if (coded_) {
      const int64_t* offset = offset_.data();
      int64_t e = first;
      for (int64_t oh = 0; oh < g_.OH; ++oh) {
        int64_t corner = (img * g_.H + oh * g_.win.sh - g_.win.pt) * g_.W - g_.win.pl;
        for (int64_t ow = 0; ow < g_.OW; ++ow, ++e, corner += g_.win.sw) {
          f(e, corner + offset[code_[e]]);
        }
      }
    } else {
      for (int64_t e = first; e < first + per; ++e) f(e, idx_[e]);
    }
  }

 private:
  const PoolGeom& g_;
  const uint8_t* code_;
  const int64_t* idx_;
  bool coded_;
  std::vector<int64_t> offset_;  // of each code from its window's top left
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// max_pool2d: y = max over each window of the input (padding never wins). The value rule keeps
// where each window's maximum lies (ArgmaxMap); on ties the first maximum in row-major
// window order wins and receives the whole derivative (a valid subgradient; the function is not
// differentiable there). Piecewise linear: the second derivative is zero away from ties.

Shape MaxPool2dOp::infer(const Node& node, const std::vector<Shape>& in) {
  return pooled_shape(node, in[0]);
}

// y = x[argmax]
template <class T>
void MaxPool2dOp::value(OpCall<T>& c) {
  const PoolGeom g(c);
  const Window2d win = g.win;
  const bool coded = ArgmaxMap::coded(win);
  c.out.code.resize(coded ? g.out_size() : 0);
  c.out.idx.resize(coded ? 0 : g.out_size());
  const AxisWindows rows(g.H, g.OH, win.kh, win.sh, win.pt, win.pb),
      cols(g.W, g.OW, win.kw, win.sw, win.pl, win.pr);
  // Locals only: a byte store may alias anything, so nothing the loop reads may live in memory.
  const T* x = c.in(0).val.data();
  T* y = c.out.val.data();
  uint8_t* code = c.out.code.data();
  int64_t* idx = c.out.idx.data();
  const int64_t *h0 = rows.lo.data(), *h1 = rows.hi.data(), *w0 = cols.lo.data(),
                *w1 = cols.hi.data();
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  int64_t e = 0;
  for (int64_t img = 0; img < g.images; ++img) {
    const T* xi = x + img * H * W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow, ++e) {
        const int64_t top = oh * win.sh - win.pt, left = ow * win.sw - win.pl;
        // The first maximum's cell in its window, by selects (a branch per cell mispredicts).
        T best = xi[h0[oh] * W + w0[ow]];
        int64_t cell = (h0[oh] - top) * win.kw + (w0[ow] - left);
        for (int64_t h = h0[oh]; h < h1[oh]; ++h) {
          for (int64_t w = w0[ow]; w < w1[ow]; ++w) {
            const T v = xi[h * W + w];
            const bool more = v > best;
            best = more ? v : best;
            cell = more ? (h - top) * win.kw + (w - left) : cell;
          }
        }
        y[e] = best;
        if (coded) {
          code[e] = static_cast<uint8_t>(cell);
        } else {
          idx[e] = img * H * W + (top + cell / win.kw) * W + left + cell % win.kw;
        }
      }
    }
  }
}

// ẏ = ẋ[argmax]
template <class T>
void MaxPool2dOp::tangent(OpCall<T>& c) {
  const PoolGeom g(c);
  const ArgmaxMap argmax(g, c.out);
  for (int j = 0; j < c.k; ++j) {
    const T* x = c.in(0).tan.data() + j * g.in_size();
    T* y = c.out.tan.data() + j * g.out_size();
    for (int64_t img = 0; img < g.images; ++img) {
      argmax.for_image(img, [&](int64_t e, int64_t i) { y[e] = x[i]; });
    }
  }
}

// x̄[argmax] += ȳ
template <class T>
void MaxPool2dOp::adjoint(OpCall<T>& c) {
  const PoolGeom g(c);
  const ArgmaxMap argmax(g, c.out);
  const T* y = c.out.adj.data();
  T* x = c.in(0).adj.data();
  for (int64_t img = 0; img < g.images; ++img) {
    argmax.for_image(img, [&](int64_t e, int64_t i) { x[i] += y[e]; });
  }
}

// x̄̇[argmax] += ȳ̇   (second derivative zero). A fresh x̄̇ is zeroed image by image just before its
// image's scatter, while the plane is in cache, instead of by a pass over all of it beforehand.
template <class T>
void MaxPool2dOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const PoolGeom g(c);
  const ArgmaxMap argmax(g, c.out);
  const bool fresh = take_fresh(c.in(0));
  const int64_t plane = g.H * g.W;
  for (int j = 0; j < c.k; ++j) {
    const T* y = c.out.adjt.data() + j * g.out_size();
    T* x = c.in(0).adjt.data() + j * g.in_size();
    for (int64_t img = 0; img < g.images; ++img) {
      if (fresh) std::fill_n(x + img * plane, plane, T(0));
      argmax.for_image(img, [&](int64_t e, int64_t i) { x[i] += y[e]; });
    }
  }
}

HESS_INSTANTIATE_OP(MaxPool2dOp)

// ---------------------------------------------------------------------------------------------
// avg_pool2d: y = (1/n) Σ over each window. n counts the window's input elements, or with
// count_include_pad also its padding (clipped to the padded input, as PyTorch does in ceil_mode).

namespace {

bool count_include_pad(const Node& node) {
  const int64_t v = node.attrs.get_int("count_include_pad", 0);
  if (v != 0 && v != 1) {
    throw std::invalid_argument("attribute 'count_include_pad' must be 0 or 1, got " +
                                std::to_string(v));
  }
  return v == 1;
}

// y = A x over `images` images.
template <class T>
void avg_forward(const PoolGeom& g, bool with_pad, int64_t images, const T* x, T* y) {
  for_windows(
      g, images,
      [&](int64_t e, int64_t base, int64_t h0, int64_t h1, int64_t w0, int64_t w1, int64_t cells) {
        T s = T(0);
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) s += x[base + h * g.W + w];
        }
        y[e] = s / static_cast<T>(with_pad ? cells : (h1 - h0) * (w1 - w0));
      });
}

// x += Aᵀ y over `images` images.
template <class T>
void avg_backward(const PoolGeom& g, bool with_pad, int64_t images, const T* y, T* x) {
  for_windows(
      g, images,
      [&](int64_t e, int64_t base, int64_t h0, int64_t h1, int64_t w0, int64_t w1, int64_t cells) {
        const T v = y[e] / static_cast<T>(with_pad ? cells : (h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) x[base + h * g.W + w] += v;
        }
      });
}

}  // namespace

Shape AvgPool2dOp::infer(const Node& node, const std::vector<Shape>& in) {
  count_include_pad(node);
  return pooled_shape(node, in[0]);
}

// y = A x
template <class T>
void AvgPool2dOp::value(OpCall<T>& c) {
  const PoolGeom g(c);
  avg_forward(g, count_include_pad(c.node), g.images, c.in(0).val.data(), c.out.val.data());
}

// ẏ = A ẋ
template <class T>
void AvgPool2dOp::tangent(OpCall<T>& c) {
  const PoolGeom g(c);
  avg_forward(g, count_include_pad(c.node), c.k * g.images, c.in(0).tan.data(), c.out.tan.data());
}

// x̄ += Aᵀ ȳ
template <class T>
void AvgPool2dOp::adjoint(OpCall<T>& c) {
  const PoolGeom g(c);
  avg_backward(g, count_include_pad(c.node), g.images, c.out.adj.data(), c.in(0).adj.data());
}

// x̄̇ += Aᵀ ȳ̇
template <class T>
void AvgPool2dOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const PoolGeom g(c);
  avg_backward(g, count_include_pad(c.node), c.k * g.images, c.out.adjt.data(),
               c.in(0).adjt.data());
}

HESS_INSTANTIATE_OP(AvgPool2dOp)

// ---------------------------------------------------------------------------------------------
// global_avg_pool: y[b, c, 0, 0] = (1/HW) Σ_{h,w} x[b, c, h, w]; linear.

Shape GlobalAvgPoolOp::infer(const Node&, const std::vector<Shape>& in) {
  check_image(in[0]);
  return Shape{in[0][0], in[0][1], 1, 1};
}

namespace {
// y[i] = mean of row i of x [rows, n]
template <class T>
void row_means(int64_t rows, int64_t n, const T* x, T* y) {
  VecMap<T>(y, rows) = mat(x, rows, n).rowwise().mean();
}
// x[i, :] += y[i] / n
template <class T>
void spread_rows(int64_t rows, int64_t n, const T* y, T* x) {
  mat(x, rows, n).colwise() += ConstVecMap<T>(y, rows) / static_cast<T>(n);
}
}  // namespace

// y = mean_hw x
template <class T>
void GlobalAvgPoolOp::value(OpCall<T>& c) {
  const Tensor<T>& x = c.in(0).val;
  row_means(x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), x.data(), c.out.val.data());
}

// ẏ = mean_hw ẋ
template <class T>
void GlobalAvgPoolOp::tangent(OpCall<T>& c) {
  const Tensor<T>& x = c.in(0).val;
  row_means(c.k * x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), c.in(0).tan.data(), c.out.tan.data());
}

// x̄ += ȳ / HW
template <class T>
void GlobalAvgPoolOp::adjoint(OpCall<T>& c) {
  const Tensor<T>& x = c.in(0).val;
  spread_rows(x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), c.out.adj.data(), c.in(0).adj.data());
}

// x̄̇ += ȳ̇ / HW
template <class T>
void GlobalAvgPoolOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const Tensor<T>& x = c.in(0).val;
  spread_rows(c.k * x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), c.out.adjt.data(),
              c.in(0).adjt.data());
}

HESS_INSTANTIATE_OP(GlobalAvgPoolOp)

}  // namespace hess
