#include "engine/ops/shape_ops.h"

#include <algorithm>
#include <stdexcept>

namespace hess {

// Every op here is linear, y = L x, so its rules are
//   tangent ẏ = L ẋ,  adjoint x̄ += Lᵀ ȳ,  adjoint_tangent x̄̇ += Lᵀ ȳ̇   (no curvature term).
// Each op gives L as a gather map kept in out.idx: y[e] = x[idx[e]] (concat: x of input idx[e] / N,
// see there), built by value() and reused by the other rules. reduce_mean is a scaled scatter.

namespace {

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw std::invalid_argument(std::string(what) + " " + std::to_string(axis) +
                                " out of range for rank " + std::to_string(rank));
  }
  return a;
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Gather ops: y[e] = x[idx[e]], one input.
template <class T>
struct Gather {
  static void apply(const std::vector<int64_t>& idx, const T* x, T* y) {
    for (size_t e = 0; e < idx.size(); ++e) y[e] = x[idx[e]];
  }
  static void apply_t(const std::vector<int64_t>& idx, const T* yb, T* xb) {
    for (size_t e = 0; e < idx.size(); ++e) xb[idx[e]] += yb[e];
  }
  static void tangent(OpCall<T>& c) {
    const int64_t n = c.out.val.size(), m = c.in(0).val.size();
    for (int j = 0; j < c.k; ++j)
      apply(c.out.idx, c.in(0).tan.data() + j * m, c.out.tan.data() + j * n);
  }
  static void adjoint(OpCall<T>& c) { apply_t(c.out.idx, c.out.adj.data(), c.in(0).adj.data()); }
  static void adjoint_tangent(OpCall<T>& c) {
    if (!c.in(0).want_adjt) return;
    const int64_t n = c.out.val.size(), m = c.in(0).val.size();
    for (int j = 0; j < c.k; ++j)
      apply_t(c.out.idx, c.out.adjt.data() + j * n, c.in(0).adjt.data() + j * m);
  }
};

// Copies (flatten, reshape): y = x, same element order.
template <class T>
struct Copy {
  static void value(OpCall<T>& c) {
    std::copy(c.in(0).val.begin(), c.in(0).val.end(), c.out.val.begin());
  }
  static void tangent(OpCall<T>& c) {
    std::copy(c.in(0).tan.begin(), c.in(0).tan.end(), c.out.tan.begin());
  }
  static void adjoint(OpCall<T>& c) { vec(c.in(0).adj) += vec(c.out.adj); }
  static void adjoint_tangent(OpCall<T>& c) {  // x̄̇ += ȳ̇ (fresh: =)
    if (!c.in(0).want_adjt) return;
    if (take_fresh(c.in(0))) {
      vec(c.in(0).adjt) = vec(c.out.adjt);
    } else {
      vec(c.in(0).adjt) += vec(c.out.adjt);
    }
  }
};

}  // namespace

#define HESS_FORWARD_RULES(Op, Impl, value_body) \
  template <class T>                             \
  void Op::value(OpCall<T>& c) {                 \
    value_body;                                  \
  }                                              \
  template <class T>                             \
  void Op::tangent(OpCall<T>& c) {               \
    Impl<T>::tangent(c);                         \
  }                                              \
  template <class T>                             \
  void Op::adjoint(OpCall<T>& c) {               \
    Impl<T>::adjoint(c);                         \
  }                                              \
  template <class T>                             \
  void Op::adjoint_tangent(OpCall<T>& c) {       \
    Impl<T>::adjoint_tangent(c);                 \
  }                                              \
  HESS_INSTANTIATE_OP(Op)

// ---------------------------------------------------------------------------------------------
// flatten (axis, default 1): [d0 … d_{a-1}, d_a …] → [d0⋯d_{a-1}, d_a⋯]  (ONNX Flatten). y = x.

Shape FlattenOp::infer(const Node& node, const std::vector<Shape>& in) {
  const int64_t r = static_cast<int64_t>(in[0].size());
  int64_t axis = node.attrs.get_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r)
    throw std::invalid_argument("axis out of range for " + to_string(in[0]));
  return Shape{numel_range(in[0], 0, axis), numel_range(in[0], axis, in[0].size())};
}
HESS_FORWARD_RULES(FlattenOp, Copy, Copy<T>::value(c))

// ---------------------------------------------------------------------------------------------
// reshape (shape): ONNX semantics, 0 copies the input's extent at that axis, −1 is inferred. y = x.

Shape ReshapeOp::infer(const Node& node, const std::vector<Shape>& in) {
  const std::vector<int64_t>& spec = node.attrs.get_ints("shape");
  Shape out(spec.size());
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == -1) {
      if (infer_at >= 0) throw std::invalid_argument("shape has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (spec[i] == 0) {
      if (i >= in[0].size())
        throw std::invalid_argument("shape copies axis " + std::to_string(i) +
                                    " that the input lacks");
      out[i] = in[0][i];
    } else if (spec[i] > 0) {
      out[i] = spec[i];
    } else {
      throw std::invalid_argument("shape has a negative extent");
    }
    known *= out[i];
  }
  const int64_t n = numel(in[0]);
  if (infer_at >= 0) {
    if (known == 0 || n % known != 0)
      throw std::invalid_argument("cannot infer -1 reshaping " + to_string(in[0]));
    out[infer_at] = n / known;
  }
  if (numel(out) != n)
    throw std::invalid_argument("cannot reshape " + to_string(in[0]) + " to " + to_string(out));
  return out;
}
HESS_FORWARD_RULES(ReshapeOp, Copy, Copy<T>::value(c))

// ---------------------------------------------------------------------------------------------
// transpose (perm, default reversed axes): y[i_perm] = x[i].

namespace {
std::vector<int64_t> transpose_perm(const Node& node, size_t rank) {
  std::vector<int64_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
  perm = node.attrs.get_ints("perm", perm);
  if (perm.size() != rank)
    throw std::invalid_argument("perm has " + std::to_string(perm.size()) + " axes, input has " +
                                std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      throw std::invalid_argument("perm is not a permutation");
    seen[p] = true;
  }
  return perm;
}

std::vector<int64_t> transpose_map(const Shape& in, const std::vector<int64_t>& perm) {
  const size_t r = in.size();
  Shape out(r);
  for (size_t i = 0; i < r; ++i) out[i] = in[perm[i]];
  const std::vector<int64_t> in_st = strides_of(in);
  std::vector<int64_t> step(r);  // input stride of each output axis
  for (size_t i = 0; i < r; ++i) step[i] = in_st[perm[i]];
  std::vector<int64_t> idx(numel(out));
  std::vector<int64_t> pos(r, 0);
  int64_t cur = 0;
  for (size_t e = 0; e < idx.size(); ++e) {
    idx[e] = cur;
    for (size_t i = r; i-- > 0;) {
      ++pos[i];
      cur += step[i];
      if (pos[i] < out[i]) break;
      cur -= step[i] * pos[i];
      pos[i] = 0;
    }
  }
  return idx;
}
}  // namespace

Shape TransposeOp::infer(const Node& node, const std::vector<Shape>& in) {
  const std::vector<int64_t> perm = transpose_perm(node, in[0].size());
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[0][perm[i]];
  return out;
}
HESS_FORWARD_RULES(TransposeOp, Gather, {
  c.out.idx = transpose_map(c.in(0).val.shape(), transpose_perm(c.node, c.in(0).val.rank()));
  Gather<T>::apply(c.out.idx, c.in(0).val.data(), c.out.val.data());
})

// ---------------------------------------------------------------------------------------------
// slice (starts, ends, axes = all, steps = 1): ONNX Slice with positive steps; indices clamp.

namespace {
struct SliceSpec {
  std::vector<int64_t> start, step;  // per axis of the input
  Shape out;
};

SliceSpec slice_spec(const Node& node, const Shape& in) {
  const std::vector<int64_t>& starts = node.attrs.get_ints("starts");
  const std::vector<int64_t>& ends = node.attrs.get_ints("ends");
  std::vector<int64_t> axes(starts.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  axes = node.attrs.get_ints("axes", axes);
  const std::vector<int64_t> steps =
      node.attrs.get_ints("steps", std::vector<int64_t>(starts.size(), 1));
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    throw std::invalid_argument("starts, ends, axes and steps differ in length");
  }
  SliceSpec s;
  s.start.assign(in.size(), 0);
  s.step.assign(in.size(), 1);
  s.out = in;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = normalize_axis(axes[i], static_cast<int64_t>(in.size()), "axis");
    const int64_t d = in[a];
    if (steps[i] <= 0) throw std::invalid_argument("only positive slice steps are supported");
    auto clampi = [d](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + d : v, 0, d); };
    const int64_t b = clampi(starts[i]), e = clampi(ends[i]);
    s.start[a] = b;
    s.step[a] = steps[i];
    s.out[a] = e > b ? (e - b + steps[i] - 1) / steps[i] : 0;
  }
  return s;
}

std::vector<int64_t> slice_map(const Shape& in, const SliceSpec& s) {
  const std::vector<int64_t> st = strides_of(in);
  const size_t r = in.size();
  std::vector<int64_t> idx(numel(s.out));
  std::vector<int64_t> pos(r, 0);
  for (size_t e = 0; e < idx.size(); ++e) {
    int64_t f = 0;
    for (size_t i = 0; i < r; ++i) f += (s.start[i] + pos[i] * s.step[i]) * st[i];
    idx[e] = f;
    for (size_t i = r; i-- > 0;) {
      if (++pos[i] < s.out[i]) break;
      pos[i] = 0;
    }
  }
  return idx;
}
}  // namespace

Shape SliceOp::infer(const Node& node, const std::vector<Shape>& in) {
  return slice_spec(node, in[0]).out;
}
HESS_FORWARD_RULES(SliceOp, Gather, {
  c.out.idx = slice_map(c.in(0).val.shape(), slice_spec(c.node, c.in(0).val.shape()));
  Gather<T>::apply(c.out.idx, c.in(0).val.data(), c.out.val.data());
})

// ---------------------------------------------------------------------------------------------
// concat (axis): inputs joined along one axis. out.idx holds, for each output element, the input
// number times total size plus the element's index in that input.

namespace {
template <class T>
struct ConcatImpl {
  // For output element e: input q = idx[e] / stride, element idx[e] % stride.
  static int64_t stride(const OpCall<T>& c) { return c.out.val.size(); }
  static void apply(OpCall<T>& c, const T* const* src, T* y) {
    const int64_t s = stride(c);
    for (size_t e = 0; e < c.out.idx.size(); ++e) {
      const T* x = src[c.out.idx[e] / s];
      y[e] = x ? x[c.out.idx[e] % s] : T(0);
    }
  }
  static void apply_t(OpCall<T>& c, const T* yb, T* const* dst) {
    const int64_t s = stride(c);
    for (size_t e = 0; e < c.out.idx.size(); ++e) {
      T* x = dst[c.out.idx[e] / s];
      if (x) x[c.out.idx[e] % s] += yb[e];
    }
  }
  static void tangent(OpCall<T>& c) {
    const int64_t n = c.out.val.size();
    std::array<const T*, kMaxArity> src{};
    for (int j = 0; j < c.k; ++j) {
      for (int q = 0; q < c.n_in; ++q)
        src[q] = c.in(q).varies ? c.in(q).tan.data() + j * c.in(q).val.size() : nullptr;
      apply(c, src.data(), c.out.tan.data() + j * n);
    }
  }
  static void adjoint(OpCall<T>& c) {
    std::array<T*, kMaxArity> dst{};
    for (int q = 0; q < c.n_in; ++q) dst[q] = c.in(q).want_adj ? c.in(q).adj.data() : nullptr;
    apply_t(c, c.out.adj.data(), dst.data());
  }
  static void adjoint_tangent(OpCall<T>& c) {
    const int64_t n = c.out.val.size();
    std::array<T*, kMaxArity> dst{};
    for (int j = 0; j < c.k; ++j) {
      for (int q = 0; q < c.n_in; ++q)
        dst[q] = c.in(q).want_adjt ? c.in(q).adjt.data() + j * c.in(q).val.size() : nullptr;
      apply_t(c, c.out.adjt.data() + j * n, dst.data());
    }
  }
};

template <class T>
void concat_value(OpCall<T>& c) {
  const Shape& out = c.out.val.shape();
  const int64_t axis =
      normalize_axis(c.node.attrs.get_int("axis"), static_cast<int64_t>(out.size()), "axis");
  const int64_t outer = numel_range(out, 0, axis), inner = numel_range(out, axis + 1, out.size());
  const int64_t s = c.out.val.size();
  c.out.idx.resize(s);
  int64_t e = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int q = 0; q < c.n_in; ++q) {
      const int64_t len = c.in(q).val.dim(axis) * inner;
      for (int64_t l = 0; l < len; ++l) c.out.idx[e++] = q * s + o * len + l;
    }
  }
  std::array<const T*, kMaxArity> src{};
  for (int q = 0; q < c.n_in; ++q) src[q] = c.in(q).val.data();
  ConcatImpl<T>::apply(c, src.data(), c.out.val.data());
}
}  // namespace

Shape ConcatOp::infer(const Node& node, const std::vector<Shape>& in) {
  Shape out = in[0];
  const int64_t axis =
      normalize_axis(node.attrs.get_int("axis"), static_cast<int64_t>(out.size()), "axis");
  for (size_t q = 1; q < in.size(); ++q) {
    if (in[q].size() != out.size()) throw std::invalid_argument("inputs differ in rank");
    for (size_t i = 0; i < out.size(); ++i) {
      if (static_cast<int64_t>(i) != axis && in[q][i] != out[i]) {
        throw std::invalid_argument("input " + to_string(in[q]) + " does not match " +
                                    to_string(in[0]) + " off the concat axis");
      }
    }
    out[axis] += in[q][axis];
  }
  return out;
}
HESS_FORWARD_RULES(ConcatOp, ConcatImpl, concat_value(c))

// ---------------------------------------------------------------------------------------------
// reduce_mean (axes = all, keepdims = 1): y = mean of x over the axes. out.idx[e] is, for input
// element e, the output element it contributes to; aux[0] = 1 / (elements per output).

namespace {
std::vector<bool> reduced_axes(const Node& node, size_t rank) {
  std::vector<bool> red(rank, !node.attrs.has("axes"));
  if (node.attrs.has("axes")) {
    for (int64_t a : node.attrs.get_ints("axes"))
      red[normalize_axis(a, static_cast<int64_t>(rank), "axis")] = true;
  }
  return red;
}

template <class T>
struct ReduceMeanImpl {
  static void scatter(const OpCall<T>& c, const T* x, T* y) {
    const T w = c.out.aux.at(0);
    const int64_t n = c.out.val.size();
    std::fill(y, y + n, T(0));
    for (size_t e = 0; e < c.out.idx.size(); ++e) y[c.out.idx[e]] += w * x[e];
  }
  static void gather_t(const OpCall<T>& c, const T* yb, T* xb) {
    const T w = c.out.aux.at(0);
    for (size_t e = 0; e < c.out.idx.size(); ++e) xb[e] += w * yb[c.out.idx[e]];
  }
  static void tangent(OpCall<T>& c) {
    const int64_t n = c.out.val.size(), m = c.in(0).val.size();
    for (int j = 0; j < c.k; ++j) scatter(c, c.in(0).tan.data() + j * m, c.out.tan.data() + j * n);
  }
  static void adjoint(OpCall<T>& c) { gather_t(c, c.out.adj.data(), c.in(0).adj.data()); }
  static void adjoint_tangent(OpCall<T>& c) {
    if (!c.in(0).want_adjt) return;
    const int64_t n = c.out.val.size(), m = c.in(0).val.size();
    for (int j = 0; j < c.k; ++j)
      gather_t(c, c.out.adjt.data() + j * n, c.in(0).adjt.data() + j * m);
  }
};

template <class T>
void reduce_mean_value(OpCall<T>& c) {
  const Shape& in = c.in(0).val.shape();
  const std::vector<bool> red = reduced_axes(c.node, in.size());
  // Output strides over the kept axes.
  std::vector<int64_t> ost(in.size(), 0);
  int64_t s = 1, count = 1;
  for (size_t i = in.size(); i-- > 0;) {
    if (red[i]) {
      count *= in[i];
    } else {
      ost[i] = s;
      s *= in[i];
    }
  }
  c.out.idx.resize(numel(in));
  std::vector<int64_t> pos(in.size(), 0);
  int64_t cur = 0;
  for (size_t e = 0; e < c.out.idx.size(); ++e) {
    c.out.idx[e] = cur;
    for (size_t i = in.size(); i-- > 0;) {
      ++pos[i];
      cur += ost[i];
      if (pos[i] < in[i]) break;
      cur -= ost[i] * pos[i];
      pos[i] = 0;
    }
  }
  c.out.aux.resize({1});
  c.out.aux.at(0) = T(1) / static_cast<T>(count);
  ReduceMeanImpl<T>::scatter(c, c.in(0).val.data(), c.out.val.data());
}
}  // namespace

Shape ReduceMeanOp::infer(const Node& node, const std::vector<Shape>& in) {
  const std::vector<bool> red = reduced_axes(node, in[0].size());
  const bool keep = node.attrs.get_int("keepdims", 1) != 0;
  Shape out;
  for (size_t i = 0; i < in[0].size(); ++i) {
    if (!red[i]) {
      out.push_back(in[0][i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  return out;
}
HESS_FORWARD_RULES(ReduceMeanOp, ReduceMeanImpl, reduce_mean_value(c))

}  // namespace hess
