#include "engine/ops/softmax.h"

#include <cmath>
#include <stdexcept>

namespace hess {

// Both ops act on the vectors along `axis` (attribute, default -1). The tensor is seen as
// [outer, L, inner]; the vector (o, ·, i) has stride `inner`.

namespace {

struct AxisView {
  int64_t outer = 1, len = 1, inner = 1;
};

AxisView axis_view(const Node& node, const Shape& s) {
  const int64_t r = static_cast<int64_t>(s.size());
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) {
    throw std::invalid_argument("axis " + std::to_string(node.attrs.get_int("axis", -1)) +
                                " out of range for shape " + to_string(s));
  }
  AxisView v;
  v.outer = numel_range(s, 0, axis);
  v.len = s[axis];
  v.inner = numel_range(s, axis + 1, s.size());
  return v;
}

// Calls fn(base) for the first element of every vector along the axis.
template <class Fn>
void for_each_vector(const AxisView& v, Fn fn) {
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) fn(o * v.len * v.inner + i);
  }
}

// Σ_l a[l] b[l] along one vector.
template <class T>
T dot(const T* a, const T* b, int64_t base, const AxisView& v) {
  T s = T(0);
  for (int64_t l = 0; l < v.len; ++l) s += a[base + l * v.inner] * b[base + l * v.inner];
  return s;
}

template <class T>
T sum(const T* a, int64_t base, const AxisView& v) {
  T s = T(0);
  for (int64_t l = 0; l < v.len; ++l) s += a[base + l * v.inner];
  return s;
}

// p = softmax(x) along the axis, stable.
template <class T>
void softmax_into(const T* x, T* p, const AxisView& v) {
  for_each_vector(v, [&](int64_t b) {
    T m = x[b];
    for (int64_t l = 1; l < v.len; ++l) m = std::max(m, x[b + l * v.inner]);
    T z = T(0);
    for (int64_t l = 0; l < v.len; ++l) z += (p[b + l * v.inner] = std::exp(x[b + l * v.inner] - m));
    for (int64_t l = 0; l < v.len; ++l) p[b + l * v.inner] /= z;
  });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// softmax: y = eˣ / Σ eˣ.

Shape SoftmaxOp::infer(const Node& node, const std::vector<Shape>& in) {
  axis_view(node, in[0]);
  return in[0];
}

template <class T>
void SoftmaxOp::value(OpCall<T>& c) {
  softmax_into(c.in(0).val.data(), c.out.val.data(), axis_view(c.node, c.out.val.shape()));
}

// ẏ = y ⊙ (ẋ − yᵀẋ)
template <class T>
void SoftmaxOp::tangent(OpCall<T>& c) {
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const int64_t n = c.out.val.size();
  const T* y = c.out.val.data();
  for (int j = 0; j < c.k; ++j) {
    const T* xd = c.in(0).tan.data() + j * n;
    T* yd = c.out.tan.data() + j * n;
    for_each_vector(v, [&](int64_t b) {
      const T s = dot(y, xd, b, v);
      for (int64_t l = 0; l < v.len; ++l) yd[b + l * v.inner] = y[b + l * v.inner] * (xd[b + l * v.inner] - s);
    });
  }
}

// x̄ += y ⊙ (ȳ − yᵀȳ)
template <class T>
void SoftmaxOp::adjoint(OpCall<T>& c) {
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const T* y = c.out.val.data();
  const T* yb = c.out.adj.data();
  T* xb = c.in(0).adj.data();
  for_each_vector(v, [&](int64_t b) {
    const T s = dot(y, yb, b, v);
    for (int64_t l = 0; l < v.len; ++l) xb[b + l * v.inner] += y[b + l * v.inner] * (yb[b + l * v.inner] - s);
  });
}

// x̄̇ += y ⊙ (ȳ̇ − yᵀȳ̇) + ẏ ⊙ (ȳ − yᵀȳ) − y (ẏᵀȳ)
template <class T>
void SoftmaxOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const int64_t n = c.out.val.size();
  const T* y = c.out.val.data();
  const T* yb = c.out.adj.data();
  const bool curv = c.out.adj_on;
  for (int j = 0; j < c.k; ++j) {
    const T* ybd = c.out.adjt.data() + j * n;
    const T* yd = c.out.tan.data() + j * n;
    T* xbd = c.in(0).adjt.data() + j * n;
    for_each_vector(v, [&](int64_t b) {
      const T s1 = dot(y, ybd, b, v);
      const T s2 = curv ? dot(y, yb, b, v) : T(0);
      const T s3 = curv ? dot(yd, yb, b, v) : T(0);
      for (int64_t l = 0; l < v.len; ++l) {
        const int64_t e = b + l * v.inner;
        xbd[e] += y[e] * (ybd[e] - s1);
        if (curv) xbd[e] += yd[e] * (yb[e] - s2) - y[e] * s3;
      }
    });
  }
}

HESS_INSTANTIATE_OP(SoftmaxOp)

// ---------------------------------------------------------------------------------------------
// log_softmax: y = x − log Σ eˣ; p = eʸ cached in aux.

Shape LogSoftmaxOp::infer(const Node& node, const std::vector<Shape>& in) {
  axis_view(node, in[0]);
  return in[0];
}

template <class T>
void LogSoftmaxOp::value(OpCall<T>& c) {
  const AxisView v = axis_view(c.node, c.out.val.shape());
  c.out.aux.resize(c.out.val.shape());
  const T* x = c.in(0).val.data();
  T* p = c.out.aux.data();
  T* y = c.out.val.data();
  softmax_into(x, p, v);
  for_each_vector(v, [&](int64_t b) {
    T m = x[b];
    for (int64_t l = 1; l < v.len; ++l) m = std::max(m, x[b + l * v.inner]);
    T z = T(0);
    for (int64_t l = 0; l < v.len; ++l) z += std::exp(x[b + l * v.inner] - m);
    const T lse = m + std::log(z);
    for (int64_t l = 0; l < v.len; ++l) y[b + l * v.inner] = x[b + l * v.inner] - lse;
  });
}

// ẏ = ẋ − pᵀẋ
template <class T>
void LogSoftmaxOp::tangent(OpCall<T>& c) {
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const int64_t n = c.out.val.size();
  const T* p = c.out.aux.data();
  for (int j = 0; j < c.k; ++j) {
    const T* xd = c.in(0).tan.data() + j * n;
    T* yd = c.out.tan.data() + j * n;
    for_each_vector(v, [&](int64_t b) {
      const T s = dot(p, xd, b, v);
      for (int64_t l = 0; l < v.len; ++l) yd[b + l * v.inner] = xd[b + l * v.inner] - s;
    });
  }
}

// x̄ += ȳ − p Σȳ
template <class T>
void LogSoftmaxOp::adjoint(OpCall<T>& c) {
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const T* p = c.out.aux.data();
  const T* yb = c.out.adj.data();
  T* xb = c.in(0).adj.data();
  for_each_vector(v, [&](int64_t b) {
    const T s = sum(yb, b, v);
    for (int64_t l = 0; l < v.len; ++l) xb[b + l * v.inner] += yb[b + l * v.inner] - p[b + l * v.inner] * s;
  });
}

// x̄̇ += ȳ̇ − p Σȳ̇ − (p ⊙ ẏ) Σȳ      (ṗ = p ⊙ ẏ)
template <class T>
void LogSoftmaxOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const AxisView v = axis_view(c.node, c.out.val.shape());
  const int64_t n = c.out.val.size();
  const T* p = c.out.aux.data();
  const T* yb = c.out.adj.data();
  const bool curv = c.out.adj_on;
  for (int j = 0; j < c.k; ++j) {
    const T* ybd = c.out.adjt.data() + j * n;
    const T* yd = c.out.tan.data() + j * n;
    T* xbd = c.in(0).adjt.data() + j * n;
    for_each_vector(v, [&](int64_t b) {
      const T s1 = sum(ybd, b, v);
      const T s2 = curv ? sum(yb, b, v) : T(0);
      for (int64_t l = 0; l < v.len; ++l) {
        const int64_t e = b + l * v.inner;
        xbd[e] += ybd[e] - p[e] * s1 - p[e] * yd[e] * s2;
      }
    });
  }
}

HESS_INSTANTIATE_OP(LogSoftmaxOp)

}  // namespace hess
