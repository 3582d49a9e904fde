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

// y[e] = x[idx[e]] for each of k columns (the value's idx repeated column by column).
template <class T>
void gather_columns(const std::vector<int64_t>& idx, int k, int64_t n_in, const T* x, T* y) {
  const int64_t n = static_cast<int64_t>(idx.size());
  for (int j = 0; j < k; ++j) {
    for (int64_t e = 0; e < n; ++e) y[j * n + e] = x[j * n_in + idx[e]];
  }
}

// x[idx[e]] += y[e] for each of k columns: the transpose of gather_columns.
template <class T>
void scatter_columns(const std::vector<int64_t>& idx, int k, int64_t n_in, const T* y, T* x) {
  const int64_t n = static_cast<int64_t>(idx.size());
  for (int j = 0; j < k; ++j) {
    for (int64_t e = 0; e < n; ++e) x[j * n_in + idx[e]] += y[j * n + e];
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// max_pool2d: y = max over each window of the input (padding never wins). The value rule keeps the
// flat input index of each window's maximum in out.idx; on ties the first maximum in row-major
// window order wins and receives the whole derivative (a valid subgradient; the function is not
// differentiable there). Piecewise linear: the second derivative is zero away from ties.

Shape MaxPool2dOp::infer(const Node& node, const std::vector<Shape>& in) {
  return pooled_shape(node, in[0]);
}

// y = x[argmax]
template <class T>
void MaxPool2dOp::value(OpCall<T>& c) {
  const PoolGeom g(c);
  const T* x = c.in(0).val.data();
  T* y = c.out.val.data();
  std::vector<int64_t>& idx = c.out.idx;
  idx.resize(g.out_size());
  for_windows(
      g, g.images,
      [&](int64_t e, int64_t base, int64_t h0, int64_t h1, int64_t w0, int64_t w1, int64_t) {
        int64_t best = base + h0 * g.W + w0;
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) {
            const int64_t i = base + h * g.W + w;
            if (x[i] > x[best]) best = i;
          }
        }
        idx[e] = best;
        y[e] = x[best];
      });
}

// ẏ = ẋ[argmax]
template <class T>
void MaxPool2dOp::tangent(OpCall<T>& c) {
  const PoolGeom g(c);
  gather_columns(c.out.idx, c.k, g.in_size(), c.in(0).tan.data(), c.out.tan.data());
}

// x̄[argmax] += ȳ
template <class T>
void MaxPool2dOp::adjoint(OpCall<T>& c) {
  const PoolGeom g(c);
  scatter_columns(c.out.idx, 1, g.in_size(), c.out.adj.data(), c.in(0).adj.data());
}

// x̄̇[argmax] += ȳ̇   (second derivative zero). A fresh x̄̇ is zeroed image by image just before its
// image's scatter, while the plane is in cache, instead of by a pass over all of it beforehand.
template <class T>
void MaxPool2dOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const PoolGeom g(c);
  if (!take_fresh(c.in(0))) {
    scatter_columns(c.out.idx, c.k, g.in_size(), c.out.adjt.data(), c.in(0).adjt.data());
    return;
  }
  const int64_t plane = g.H * g.W, per = g.OH * g.OW;
  const int64_t* idx = c.out.idx.data();
  for (int j = 0; j < c.k; ++j) {
    const T* y = c.out.adjt.data() + j * g.out_size();
    T* x = c.in(0).adjt.data() + j * g.in_size();
    for (int64_t img = 0; img < g.images; ++img) {
      std::fill(x + img * plane, x + (img + 1) * plane, T(0));
      for (int64_t e = img * per; e < (img + 1) * per; ++e) x[idx[e]] += y[e];
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
