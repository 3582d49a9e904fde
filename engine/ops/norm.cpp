#include "engine/ops/norm.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/ops/long_sum.h"

namespace hess {

namespace {

constexpr double kDefaultEpsilon = 1e-5;

double epsilon_of(const Node& node) {
  const double eps = node.attrs.get_float("epsilon", kDefaultEpsilon);
  if (!std::isfinite(eps) || eps < 0) {
    throw std::invalid_argument("epsilon " + std::to_string(eps) +
                                " must be finite and non-negative");
  }
  return eps;
}

// Tangent column j of an input of `size` elements, or null when the input does not vary.
template <class T>
const T* tangent_column(const Slot<T>& s, int j, int64_t size) {
  return s.varies ? s.tan.data() + j * size : nullptr;
}

// Throws unless inputs 1… have shape `expected`; names[i] names input i in the message.
void require_parameter_shapes(const std::vector<Shape>& in, const Shape& expected,
                              const char* const* names, const std::string& why) {
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i] != expected) {
      throw std::invalid_argument(std::string(names[i]) + " " + to_string(in[i]) + " must be " +
                                  to_string(expected) + ", " + why + " " + to_string(in[0]));
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// batch_norm, inference form: inputs (x [B, C, ...], γ [C], β [C], μ [C], σ² [C]), μ and σ²
// constant running statistics. Per channel c, with s_c = 1/√(σ²_c + ε) and x̂ = (x − μ_c) s_c,
//   y = γ_c x̂ + β_c.
// An affine map of x for fixed (γ, β), bilinear in (x, γ): its only curvature terms are ȳ s γ̇ for
// x and ȳ s ẋ for γ. aux = [x̂ | s].

namespace {

// x seen as [outer, C, inner]: the channel of flat element e is (e / inner) % C.
struct ChannelView {
  int64_t outer = 1, channels = 1, inner = 1;
  int64_t size() const { return outer * channels * inner; }
};

ChannelView channel_view(const Shape& x) {
  return {x[0], x[1], numel_range(x, 2, x.size())};
}

// Calls fn(e0, c) for every plane of x: the `inner` elements of channel c from flat element e0 on,
// in memory order. The rules' element loops run inside a plane with the channel's constants
// hoisted, so they vectorize.
template <class Fn>
void for_each_plane(const ChannelView& v, Fn fn) {
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t c = 0; c < v.channels; ++c) fn((o * v.channels + c) * v.inner, c);
  }
}

// Per-channel sums over batch and positions (B·H·W terms each) run in double across planes and
// chunks (long_dot), in float passes too, and are added to the float derivative once.
using ChannelSums = std::vector<double>;

template <class T>
void add_channel_sums(const ChannelSums& sums, T* dst) {
  for (size_t ch = 0; ch < sums.size(); ++ch) dst[ch] += static_cast<T>(sums[ch]);
}

// What the rules after value() read: the view, x̂ and s from aux, and γ.
template <class T>
struct BatchNormCache {
  ChannelView v;
  int64_t n, C;
  const T* xhat;
  const T* s;
  const T* g;
  explicit BatchNormCache(const OpCall<T>& c)
      : v(channel_view(c.in(0).val.shape())),
        n(v.size()),
        C(v.channels),
        xhat(c.out.aux.data()),
        s(xhat + n),
        g(c.in(1).val.data()) {}
};
}  // namespace

Shape BatchNormOp::infer(const Node& node, const std::vector<Shape>& in) {
  const Shape& x = in[0];
  if (x.size() < 2) {
    throw std::invalid_argument("input " + to_string(x) +
                                " must have at least 2 axes [batch, channels, ...]");
  }
  epsilon_of(node);
  static const char* const kNames[] = {"input", "weight", "bias", "running mean",
                                       "running variance"};
  require_parameter_shapes(in, Shape{x[1]}, kNames, "one value per channel of input");
  return x;
}

// x̂ = (x − μ) s,  s = 1/√(σ² + ε)
template <class T>
void batch_norm_cache(OpCall<T>& c) {
  const ChannelView v = channel_view(c.in(0).val.shape());
  const double eps = epsilon_of(c.node);
  const int64_t n = v.size();
  c.out.aux.resize({n + v.channels});
  T* xhat = c.out.aux.data();
  T* s = xhat + n;
  const T* mean = c.in(3).val.data();
  const T* var = c.in(4).val.data();
  for (int64_t ch = 0; ch < v.channels; ++ch) {
    const double d = static_cast<double>(var[ch]) + eps;
    if (!(d > 0)) {
      throw std::invalid_argument("node '" + c.node.name + "' (batch_norm): running variance " +
                                  std::to_string(static_cast<double>(var[ch])) + " of channel " +
                                  std::to_string(ch) + " plus epsilon is not positive");
    }
    s[ch] = static_cast<T>(1.0 / std::sqrt(d));
  }
  const T* x = c.in(0).val.data();
  for_each_plane(v, [&](int64_t e0, int64_t ch) {
    const T m = mean[ch], sc = s[ch];
    for (int64_t e = e0; e < e0 + v.inner; ++e) xhat[e] = (x[e] - m) * sc;
  });
}

template void batch_norm_cache<float>(OpCall<float>&);
template void batch_norm_cache<double>(OpCall<double>&);

// y = γ x̂ + β
template <class T>
void BatchNormOp::value(OpCall<T>& c) {
  batch_norm_cache(c);
  const BatchNormCache<T> cache(c);
  const T* g = c.in(1).val.data();
  const T* b = c.in(2).val.data();
  const T* xhat = cache.xhat;
  T* y = c.out.val.data();
  for_each_plane(cache.v, [&](int64_t e0, int64_t ch) {
    const T gc = g[ch], bc = b[ch];
    for (int64_t e = e0; e < e0 + cache.v.inner; ++e) y[e] = gc * xhat[e] + bc;
  });
}

// ẏ = γ s ẋ + γ̇ x̂ + β̇
template <class T>
void BatchNormOp::tangent(OpCall<T>& c) {
  const BatchNormCache<T> cache(c);
  const ChannelView& v = cache.v;
  const int64_t n = cache.n, C = cache.C;
  const T *xhat = cache.xhat, *s = cache.s, *g = cache.g;
  const Slot<T>& x = c.in(0);
  for (int j = 0; j < c.k; ++j) {
    const T* xd = x.varies ? x.tan.data() + j * n : nullptr;
    const T* gd = tangent_column(c.in(1), j, C);
    const T* bd = tangent_column(c.in(2), j, C);
    T* yd = c.out.tan.data() + j * n;
    for_each_plane(v, [&](int64_t e0, int64_t ch) {
      const T a = g[ch] * s[ch], gc = gd ? gd[ch] : T(0), bc = bd ? bd[ch] : T(0);
      const int64_t e1 = e0 + v.inner;
      if (xd) {
        for (int64_t e = e0; e < e1; ++e) yd[e] = a * xd[e] + gc * xhat[e] + bc;
      } else {
        for (int64_t e = e0; e < e1; ++e) yd[e] = gc * xhat[e] + bc;
      }
    });
  }
}

// x̄ += γ s ȳ,  γ̄ += Σ ȳ x̂,  β̄ += Σ ȳ   (sums over batch and spatial positions of a channel)
template <class T>
void BatchNormOp::adjoint(OpCall<T>& c) {
  const BatchNormCache<T> cache(c);
  const ChannelView& v = cache.v;
  const T *xhat = cache.xhat, *s = cache.s, *g = cache.g;
  const T* yb = c.out.adj.data();
  T* xb = c.in(0).want_adj ? c.in(0).adj.data() : nullptr;
  T* gb = c.in(1).want_adj ? c.in(1).adj.data() : nullptr;
  T* bb = c.in(2).want_adj ? c.in(2).adj.data() : nullptr;
  ChannelSums gsum(gb ? v.channels : 0), bsum(bb ? v.channels : 0);
  for_each_plane(v, [&](int64_t e0, int64_t ch) {
    if (xb) {
      const T a = g[ch] * s[ch];
      for (int64_t e = e0; e < e0 + v.inner; ++e) xb[e] += a * yb[e];
    }
    if (gb) gsum[ch] += long_dot(yb + e0, xhat + e0, v.inner);
    if (bb) bsum[ch] += long_dot<T>(yb + e0, nullptr, v.inner);
  });
  add_channel_sums(gsum, gb);
  add_channel_sums(bsum, bb);
}

// x̄̇ += γ s ȳ̇ + γ̇ s ȳ (fresh: =),  γ̄̇ += Σ (ȳ̇ x̂ + ȳ s ẋ),  β̄̇ += Σ ȳ̇
template <class T>
void BatchNormOp::adjoint_tangent(OpCall<T>& c) {
  const BatchNormCache<T> cache(c);
  const ChannelView& v = cache.v;
  const int64_t n = cache.n, C = cache.C;
  const T *xhat = cache.xhat, *s = cache.s, *g = cache.g;
  const bool curv = c.out.adj_on;
  const T* yb = c.out.adj.data();
  Slot<T>& x = c.in(0);
  Slot<T>& gamma = c.in(1);
  Slot<T>& beta = c.in(2);
  const bool add_x = !take_fresh(x);  // fresh: every element written once per column
  for (int j = 0; j < c.k; ++j) {
    const T* ybd = c.out.adjt.data() + j * n;
    const T* xd = curv && x.varies ? x.tan.data() + j * n : nullptr;
    const T* gd = curv ? tangent_column(gamma, j, C) : nullptr;
    T* xbd = x.want_adjt ? x.adjt.data() + j * n : nullptr;
    T* gbd = gamma.want_adjt ? gamma.adjt.data() + j * C : nullptr;
    T* bbd = beta.want_adjt ? beta.adjt.data() + j * C : nullptr;
    ChannelSums gsum(gbd ? C : 0), bsum(bbd ? C : 0);
    for_each_plane(v, [&](int64_t e0, int64_t ch) {
      const int64_t e1 = e0 + v.inner;
      if (xbd) {
        const T a = g[ch] * s[ch];
        if (gd) {
          const T b = gd[ch] * s[ch];
          for (int64_t e = e0; e < e1; ++e) {
            const T d = a * ybd[e] + b * yb[e];
            xbd[e] = add_x ? xbd[e] + d : d;
          }
        } else {
          for (int64_t e = e0; e < e1; ++e) xbd[e] = add_x ? xbd[e] + a * ybd[e] : a * ybd[e];
        }
      }
      if (gbd) {
        gsum[ch] += long_dot(ybd + e0, xhat + e0, v.inner);
        if (xd) gsum[ch] += static_cast<double>(s[ch]) * long_dot(yb + e0, xd + e0, v.inner);
      }
      if (bbd) bsum[ch] += long_dot<T>(ybd + e0, nullptr, v.inner);
    });
    add_channel_sums(gsum, gbd);
    add_channel_sums(bsum, bbd);
  }
}

HESS_INSTANTIATE_OP(BatchNormOp)

// ---------------------------------------------------------------------------------------------
// layer_norm (axis = −1, epsilon): inputs (x, γ, β), γ and β shaped like the normalized axes
// axis…end (ONNX LayerNormalization). x is seen as [M, N]: M groups of N elements normalized
// together. Per group, with mean μ, variance σ² = mean((x − μ)²), r = 1/√(σ² + ε), x̂ = (x − μ) r:
//   y = γ ⊙ x̂ + β.
// The normalization's Jacobian is J = r (I − 11ᵀ/N − x̂x̂ᵀ/N), symmetric, so ẋ̂ = J ẋ and x̄ += J g
// for g = γ ⊙ ȳ. Its curvature (the R-operator of J g along ẋ, g fixed) is
//   R{J g} = −α J g − r (m ẋ̂ + mean(ẋ̂ ⊙ g) x̂),   α = r mean(x̂ ⊙ ẋ),  m = mean(x̂ ⊙ g),
// from ṙ = −r² mean(x̂ ⊙ ẋ). aux = [x̂ | r].

namespace {

// x seen as [groups, len]; `axis` is the first normalized axis.
struct GroupView {
  int64_t axis = 0, groups = 1, len = 1;
};

GroupView group_view(const Node& node, const Shape& x) {
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t given = node.attrs.get_int("axis", -1);
  const int64_t axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) {
    throw std::invalid_argument("axis " + std::to_string(given) + " out of range for input " +
                                to_string(x));
  }
  return {axis, numel_range(x, 0, axis), numel_range(x, axis, x.size())};
}

// mean(v) and mean(x̂ ⊙ v) over one group.
template <class T>
struct GroupMeans {
  T plain = T(0), with_xhat = T(0);
};

template <class T>
GroupMeans<T> group_means(const T* xhat, const T* v, int64_t n) {
  GroupMeans<T> m;
  for (int64_t i = 0; i < n; ++i) {
    m.plain += v[i];
    m.with_xhat += xhat[i] * v[i];
  }
  m.plain /= static_cast<T>(n);
  m.with_xhat /= static_cast<T>(n);
  return m;
}

// What the rules after value() read: the view, x̂ and r from aux, and γ.
template <class T>
struct LayerNormCache {
  GroupView v;
  int64_t n, N;
  const T* xhat;
  const T* r;
  const T* g;
  explicit LayerNormCache(const OpCall<T>& c)
      : v(group_view(c.node, c.in(0).val.shape())),
        n(c.in(0).val.size()),
        N(v.len),
        xhat(c.out.aux.data()),
        r(xhat + n),
        g(c.in(1).val.data()) {}
};
}  // namespace

Shape LayerNormOp::infer(const Node& node, const std::vector<Shape>& in) {
  const Shape& x = in[0];
  if (x.empty()) throw std::invalid_argument("input must have at least one axis");
  const GroupView v = group_view(node, x);
  epsilon_of(node);
  const Shape normalized(x.begin() + v.axis, x.end());
  static const char* const kNames[] = {"input", "weight", "bias"};
  require_parameter_shapes(in, normalized, kNames, "the shape of the normalized axes of input");
  return x;
}

// y = γ ⊙ (x − μ) r + β,  r = 1/√(σ² + ε)
template <class T>
void LayerNormOp::value(OpCall<T>& c) {
  const GroupView v = group_view(c.node, c.in(0).val.shape());
  const T eps = static_cast<T>(epsilon_of(c.node));
  const int64_t n = c.in(0).val.size(), N = v.len;
  c.out.aux.resize({n + v.groups});
  T* xhat = c.out.aux.data();
  T* r = xhat + n;
  const T* g = c.in(1).val.data();
  const T* b = c.in(2).val.data();
  for (int64_t m = 0; m < v.groups; ++m) {
    const T* x = c.in(0).val.data() + m * N;
    T* xh = xhat + m * N;
    T* y = c.out.val.data() + m * N;
    T mu = T(0);
    for (int64_t i = 0; i < N; ++i) mu += x[i];
    mu /= static_cast<T>(N);
    T var = T(0);
    for (int64_t i = 0; i < N; ++i) var += (x[i] - mu) * (x[i] - mu);
    var /= static_cast<T>(N);
    r[m] = T(1) / std::sqrt(var + eps);
    for (int64_t i = 0; i < N; ++i) {
      xh[i] = (x[i] - mu) * r[m];
      y[i] = g[i] * xh[i] + b[i];
    }
  }
}

// ẏ = γ ⊙ ẋ̂ + γ̇ ⊙ x̂ + β̇,  ẋ̂ = r (ẋ − mean(ẋ) − x̂ mean(x̂ ⊙ ẋ))
template <class T>
void LayerNormOp::tangent(OpCall<T>& c) {
  const LayerNormCache<T> cache(c);
  const GroupView& v = cache.v;
  const int64_t n = cache.n, N = cache.N;
  const T *xhat = cache.xhat, *r = cache.r, *g = cache.g;
  const Slot<T>& x = c.in(0);
  for (int j = 0; j < c.k; ++j) {
    const T* gd = tangent_column(c.in(1), j, N);
    const T* bd = tangent_column(c.in(2), j, N);
    for (int64_t m = 0; m < v.groups; ++m) {
      const T* xh = xhat + m * N;
      const T* xd = x.varies ? x.tan.data() + j * n + m * N : nullptr;
      T* yd = c.out.tan.data() + j * n + m * N;
      const GroupMeans<T> a = xd ? group_means(xh, xd, N) : GroupMeans<T>{};
      for (int64_t i = 0; i < N; ++i) {
        T t = xd ? g[i] * r[m] * (xd[i] - a.plain - xh[i] * a.with_xhat) : T(0);
        if (gd) t += gd[i] * xh[i];
        if (bd) t += bd[i];
        yd[i] = t;
      }
    }
  }
}

// x̄ += J (γ ⊙ ȳ) = r (γȳ − mean(γȳ) − x̂ mean(x̂ ⊙ γȳ)),  γ̄ += Σ ȳ ⊙ x̂,  β̄ += Σ ȳ
template <class T>
void LayerNormOp::adjoint(OpCall<T>& c) {
  const LayerNormCache<T> cache(c);
  const GroupView& v = cache.v;
  const int64_t N = cache.N;
  const T *xhat = cache.xhat, *r = cache.r, *g = cache.g;
  Slot<T>& x = c.in(0);
  T* gb = c.in(1).want_adj ? c.in(1).adj.data() : nullptr;
  T* bb = c.in(2).want_adj ? c.in(2).adj.data() : nullptr;
  for (int64_t m = 0; m < v.groups; ++m) {
    const T* xh = xhat + m * N;
    const T* yb = c.out.adj.data() + m * N;
    if (x.want_adj) {
      T* xb = x.adj.data() + m * N;
      T s = T(0), sx = T(0);
      for (int64_t i = 0; i < N; ++i) {
        s += g[i] * yb[i];
        sx += xh[i] * g[i] * yb[i];
      }
      s /= static_cast<T>(N);
      sx /= static_cast<T>(N);
      for (int64_t i = 0; i < N; ++i) xb[i] += r[m] * (g[i] * yb[i] - s - xh[i] * sx);
    }
    for (int64_t i = 0; i < N; ++i) {
      if (gb) gb[i] += yb[i] * xh[i];
      if (bb) bb[i] += yb[i];
    }
  }
}

// x̄̇ += J (γ ⊙ ȳ̇ + γ̇ ⊙ ȳ) + R{J}(γ ⊙ ȳ),  γ̄̇ += Σ (ȳ̇ ⊙ x̂ + ȳ ⊙ ẋ̂),  β̄̇ += Σ ȳ̇
template <class T>
void LayerNormOp::adjoint_tangent(OpCall<T>& c) {
  const LayerNormCache<T> cache(c);
  const GroupView& v = cache.v;
  const int64_t n = cache.n, N = cache.N;
  const T *xhat = cache.xhat, *r = cache.r, *g = cache.g;
  const bool curv = c.out.adj_on;
  Slot<T>& x = c.in(0);
  Slot<T>& gamma = c.in(1);
  Slot<T>& beta = c.in(2);
  for (int j = 0; j < c.k; ++j) {
    const T* gd = curv ? tangent_column(gamma, j, N) : nullptr;
    T* gbd = gamma.want_adjt ? gamma.adjt.data() + j * N : nullptr;
    T* bbd = beta.want_adjt ? beta.adjt.data() + j * N : nullptr;
    for (int64_t m = 0; m < v.groups; ++m) {
      const T* xh = xhat + m * N;
      const T rm = r[m];
      const T* ybd = c.out.adjt.data() + j * n + m * N;
      const T* yb = curv ? c.out.adj.data() + m * N : nullptr;
      const T* xd = curv && x.varies ? x.tan.data() + j * n + m * N : nullptr;
      // ẋ̂ = r (ẋ − a.plain − x̂ a.with_xhat), needed by the curvature terms.
      const GroupMeans<T> a = xd ? group_means(xh, xd, N) : GroupMeans<T>{};
      auto xhat_dot = [&](int64_t i) { return rm * (xd[i] - a.plain - xh[i] * a.with_xhat); };
      if (x.want_adjt) {
        // h = γ ⊙ ȳ̇ + γ̇ ⊙ ȳ (the linear part) and, for R{J} g, g = γ ⊙ ȳ.
        T hs = T(0), hx = T(0), gs = T(0), gx = T(0), dg = T(0);
        for (int64_t i = 0; i < N; ++i) {
          T h = g[i] * ybd[i];
          if (gd) h += gd[i] * yb[i];
          hs += h;
          hx += xh[i] * h;
          if (xd) {
            const T gi = g[i] * yb[i];
            gs += gi;
            gx += xh[i] * gi;
            dg += xhat_dot(i) * gi;
          }
        }
        const T inv = T(1) / static_cast<T>(N);
        hs *= inv, hx *= inv, gs *= inv, gx *= inv, dg *= inv;
        const T alpha = rm * a.with_xhat;
        T* xbd = x.adjt.data() + j * n + m * N;
        for (int64_t i = 0; i < N; ++i) {
          T h = g[i] * ybd[i];
          if (gd) h += gd[i] * yb[i];
          T t = rm * (h - hs - xh[i] * hx);
          if (xd) {
            const T jg = rm * (g[i] * yb[i] - gs - xh[i] * gx);
            t += -alpha * jg - rm * (gx * xhat_dot(i) + dg * xh[i]);
          }
          xbd[i] += t;
        }
      }
      for (int64_t i = 0; i < N; ++i) {
        if (gbd) {
          gbd[i] += ybd[i] * xh[i];
          if (xd) gbd[i] += yb[i] * xhat_dot(i);
        }
        if (bbd) bbd[i] += ybd[i];
      }
    }
  }
}

HESS_INSTANTIATE_OP(LayerNormOp)

}  // namespace hess
