#include "engine/ops/conv.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/ops/conv_direct.h"
#include "engine/ops/long_sum.h"
#include "engine/ops/window.h"

namespace hess {

// ---------------------------------------------------------------------------------------------
// conv2d: x [B, C, H, W], W [O, C/G, kh, kw], b [O] -> y [B, O, OH, OW], G groups,
// cross-correlation:
//
//   y[b, o, oh, ow] = Σ_{c, i, j} W[o, c, i, j] x[b, g·C/G + c, oh·sh − pt + i·dh, ow·sw − pl +
//   j·dw]
//                     + b[o]          (o in group g; taps in the padding read 0)
//
// By im2col + GEMM. For group g, X_g = cols(x)_g is the [Kc, N] matrix of input taps (Kc =
// C/G·kh·kw rows ordered like W's [C/G, kh, kw], N = B·OH·OW columns ordered like y's [B, OH, OW]),
// so that Y_g = W_g X_g with W_g the group's [O/G, Kc] rows of W. The value rule caches cols(x) in
// out.aux; tangent, adjoint and adjoint-tangent reuse it. Outputs and their derivatives are
// permuted between y's layout [k, B, O, OH·OW] and the "group-major" GEMM layout [G, k, O/G, N] in
// scratch, so the k tangent columns of a group form one GEMM against the cached columns (G = 1: one
// GEMM in all). Bilinear in (x, W): the curvature terms are the cross terms ȳ ⋆ Ẇ (into x̄̇) and ȳ ⋆
// ẋ (into W̄̇).

Shape Conv2dOp::infer(const Node& node, const std::vector<Shape>& in) {
  const Shape& x = in[0];
  const Shape& w = in[1];
  if (x.size() != 4) throw std::invalid_argument("input must be [B, C, H, W], got " + to_string(x));
  if (w.size() != 4) {
    throw std::invalid_argument("weight must be [O, C/groups, kh, kw], got " + to_string(w));
  }
  const int64_t G = node.attrs.get_int("groups", 1);
  if (G < 1)
    throw std::invalid_argument("attribute 'groups' must be positive, got " + std::to_string(G));
  if (x[1] % G != 0) {
    throw std::invalid_argument("groups " + std::to_string(G) + " does not divide the input's " +
                                std::to_string(x[1]) + " channels");
  }
  if (w[0] % G != 0) {
    throw std::invalid_argument("groups " + std::to_string(G) + " does not divide the weight's " +
                                std::to_string(w[0]) + " output channels");
  }
  if (w[1] * G != x[1]) {
    throw std::invalid_argument("input " + to_string(x) + " has " + std::to_string(x[1]) +
                                " channels but weight " + to_string(w) + " with groups " +
                                std::to_string(G) + " expects " + std::to_string(w[1] * G));
  }
  if (in.size() == 3 && (in[2].size() != 1 || in[2][0] != w[0])) {
    throw std::invalid_argument("bias " + to_string(in[2]) + " does not match weight " +
                                to_string(w));
  }
  const Window2d win = conv_window(node, w[2], w[3]);
  return Shape{x[0], w[0], win.out_h(x[2]), win.out_w(x[3])};
}

namespace {

struct ConvGeom {
  int64_t B, C, H, W, O, G, Cg, Og, OH, OW;
  int64_t P;   // output positions per image, OH·OW
  int64_t N;   // output positions of the batch, B·P: the columns of cols(x)
  int64_t Kc;  // rows of cols(x) per group, C/G·kh·kw
  Window2d win;

  template <class T>
  explicit ConvGeom(const OpCall<T>& c) {
    const Shape& x = c.in(0).val.shape();
    const Shape& w = c.in(1).val.shape();
    B = x[0], C = x[1], H = x[2], W = x[3];
    O = w[0];
    G = c.node.attrs.get_int("groups", 1);
    Cg = C / G, Og = O / G;
    win = conv_window(c.node, w[2], w[3]);
    OH = win.out_h(H), OW = win.out_w(W);
    P = OH * OW;
    N = B * P;
    Kc = Cg * win.kh * win.kw;
  }
  int64_t in_size() const { return B * C * H * W; }
  int64_t out_size() const { return N * O; }
  int64_t w_size() const { return O * Kc; }
};

// Walks cols(x) of group `grp` segment by segment. A segment is cols row (c, i, j) over output row
// (b, oh): seg(col, img, lo, hi, off) gets the flat index `col` of its first element in the [Kc, N]
// matrix, the flat index `img` of input row (b, grp·C/G + c, ih) in x (−1 when ih is padding) and
// the output columns [lo, hi) whose tap iw = ow·sw + off lies inside that row.
template <class F>
void for_segments(const ConvGeom& g, int64_t grp, F&& seg) {
  const Window2d& w = g.win;
  for (int64_t c = 0; c < g.Cg; ++c) {
    for (int64_t i = 0; i < w.kh; ++i) {
      for (int64_t j = 0; j < w.kw; ++j) {
        const int64_t row = (c * w.kh + i) * w.kw + j;
        const int64_t off = j * w.dw - w.pl;
        int64_t lo = 0, hi = 0;
        valid_range(g.W, w.sw, off, g.OW, lo, hi);
        for (int64_t b = 0; b < g.B; ++b) {
          for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t ih = oh * w.sh + i * w.dh - w.pt;
            const int64_t img =
                ih < 0 || ih >= g.H ? -1 : ((b * g.C + grp * g.Cg + c) * g.H + ih) * g.W;
            seg(row * g.N + b * g.P + oh * g.OW, img, lo, hi, off);
          }
        }
      }
    }
  }
}

// cols = cols(x)_grp, [Kc, N]
template <class T>
void im2col(const ConvGeom& g, int64_t grp, const T* x, T* cols) {
  const int64_t sw = g.win.sw, OW = g.OW;
  for_segments(g, grp, [&](int64_t col, int64_t img, int64_t lo, int64_t hi, int64_t off) {
    T* dst = cols + col;
    if (img < 0) {
      std::fill(dst, dst + OW, T(0));
      return;
    }
    std::fill(dst, dst + lo, T(0));
    if (sw == 1) {
      const T* src = x + (img + lo + off);
      std::copy(src, src + (hi - lo), dst + lo);
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = x[img + ow * sw + off];
    }
    std::fill(dst + hi, dst + OW, T(0));
  });
}

// x += cols(·)_grpᵀ cols: each column entry goes back to the input element it was read from.
template <class T>
void col2im(const ConvGeom& g, int64_t grp, const T* cols, T* x) {
  const int64_t sw = g.win.sw;
  for_segments(g, grp, [&](int64_t col, int64_t img, int64_t lo, int64_t hi, int64_t off) {
    if (img < 0) return;
    const T* src = cols + col;
    if (sw == 1) {
      T* dst = x + (img + lo + off);
      for (int64_t e = 0; e < hi - lo; ++e) dst[e] += src[lo + e];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) x[img + ow * sw + off] += src[ow];
    }
  });
}

// z [G, k, Og, N] from y [k, B, O, P]: row (grp, j, r) of z holds channel grp·Og + r of column j
// for every sample.
template <class T>
void to_group_major(const ConvGeom& g, int k, const T* y, T* z) {
  for (int64_t grp = 0; grp < g.G; ++grp) {
    for (int j = 0; j < k; ++j) {
      for (int64_t r = 0; r < g.Og; ++r) {
        T* dst = z + ((grp * k + j) * g.Og + r) * g.N;
        for (int64_t b = 0; b < g.B; ++b) {
          const T* src = y + ((j * g.B + b) * g.O + grp * g.Og + r) * g.P;
          std::copy(src, src + g.P, dst + b * g.P);
        }
      }
    }
  }
}

// y [k, B, O, P] = z [G, k, Og, N] + bias (bias [k, O], or null): the inverse of to_group_major.
template <class T>
void from_group_major(const ConvGeom& g, int k, const T* z, const T* bias, T* y) {
  for (int64_t grp = 0; grp < g.G; ++grp) {
    for (int j = 0; j < k; ++j) {
      for (int64_t r = 0; r < g.Og; ++r) {
        const int64_t o = grp * g.Og + r;
        const T* src = z + ((grp * k + j) * g.Og + r) * g.N;
        const T add = bias ? bias[j * g.O + o] : T(0);
        for (int64_t b = 0; b < g.B; ++b) {
          T* dst = y + ((j * g.B + b) * g.O + o) * g.P;
          const T* s = src + b * g.P;
          for (int64_t p = 0; p < g.P; ++p) dst[p] = s[p] + add;
        }
      }
    }
  }
}

// bias[j, o] += Σ over row (grp, j, r) of z [G, k, Og, N], o = grp·Og + r, summed in double.
template <class T>
void add_row_sums(const ConvGeom& g, int k, const T* z, T* bias) {
  for (int64_t grp = 0; grp < g.G; ++grp) {
    for (int j = 0; j < k; ++j) {
      for (int64_t r = 0; r < g.Og; ++r) {
        bias[j * g.O + grp * g.Og + r] +=
            static_cast<T>(ConstVecMap<T>(z + ((grp * k + j) * g.Og + r) * g.N, g.N)
                               .template cast<double>()
                               .sum());
      }
    }
  }
}

// Tangent columns that form one GEMM per group: all k when G = 1 (their rows are contiguous in
// both [k, O, ·] and [G, k, Og, ·]), else one.
int column_chunk(const ConvGeom& g, int k) {
  return g.G == 1 ? k : 1;
}

// Channels per group up to which a stride-1 convolution runs the direct kernels (conv_direct.h)
// instead of im2col + GEMM: narrow layers, where GEMM packing costs as much as the products.
constexpr int64_t kDirectMaxChannels = 64;

bool use_direct(const Window2d& win, int64_t Cg, int64_t Og) {
  return win.sh == 1 && win.sw == 1 && Cg <= kDirectMaxChannels && Og <= kDirectMaxChannels;
}

bool use_direct(const ConvGeom& g) {
  return use_direct(g.win, g.Cg, g.Og);
}

// bias[j, o] += Σ_{b, positions} y[j, b, o, ·] for y [k, B, O, P]: each plane summed as long_dot
// does (vectorized in T over chunks of kLongSumChunk positions), the planes added in double.
template <class T>
void add_channel_sums(const ConvGeom& g, int k, const T* y, T* bias) {
  std::vector<double> sums(g.O);
  for (int j = 0; j < k; ++j) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int64_t b = 0; b < g.B; ++b) {
      for (int64_t o = 0; o < g.O; ++o)
        sums[o] += long_dot<T>(y + ((j * g.B + b) * g.O + o) * g.P, nullptr, g.P);
    }
    for (int64_t o = 0; o < g.O; ++o) bias[j * g.O + o] += static_cast<T>(sums[o]);
  }
}

// Per group, a conv weight [O, Cg, taps] packed for correlate(): forward rows (output channels) or
// transposed rows (input channels, for the input derivative).
template <class T>
std::vector<std::vector<T>> pack_groups(const ConvGeom& g, const T* w, bool transposed) {
  const int64_t taps = g.win.kh * g.win.kw;
  std::vector<std::vector<T>> packed(g.G);
  for (int64_t grp = 0; grp < g.G; ++grp) {
    const T* wg = w + grp * g.Og * g.Cg * taps;
    if (transposed) {
      pack_direct_weight(detected_direct_isa(), wg, g.Cg, g.Og, taps, true, packed[grp]);
    } else {
      pack_direct_weight(detected_direct_isa(), wg, g.Og, g.Cg, taps, false, packed[grp]);
    }
  }
  return packed;
}

// Images in a batch from which weight derivatives keep their lanes across images (below, each
// image's call sums its lanes in double: one flush per image cost more than the sums in registers
// on the benchmark resnet, whose compute batches hold one image).
constexpr int64_t kMinImagesForLanes = 4;

// Lanes of correlate_weight's accumulators on this CPU.
template <class T>
int64_t weight_lanes_of() {
  return weight_lanes<T>(detected_direct_isa());
}

// A weight derivative [O, Cg, taps] summed over images on the direct path: each image adds
// Σ_positions a ⊗ shifted x group by group (a = the framed output derivative [O, z_len], x = the
// padded input [C, in_len]) into correlate_weight's lane accumulators in T, which go into double
// whenever another image would take a lane past kLongSumChunk terms (as a GEMM's float dot
// products of at most kLongSumChunk terms, engine/ops/long_sum.h), and at the end.
template <class T>
class WeightSums {
 public:
  // lane_acc: g.w_size() · weight_lanes_of<T>() zeros, left zero by add_to; unused (the lanes
  // summed in double by each call) for batches of fewer than kMinImagesForLanes images.
  WeightSums(const ConvGeom& g, const FlatConv& f, T* lane_acc)
      : g_(g),
        f_(f),
        lanes_(weight_lanes_of<T>()),
        acc_(g.w_size(), 0.0),
        lane_acc_(g.B >= kMinImagesForLanes ? lane_acc : nullptr) {}

  void add(const T* a, const T* x) {
    const int64_t taps = g_.win.kh * g_.win.kw;
    for (int64_t p0 = 0; p0 < f_.out_len; p0 += kLongSumChunk) {
      const int64_t p1 = std::min(f_.out_len, p0 + kLongSumChunk);
      const int64_t terms = (p1 - p0) / lanes_;  // per lane
      if (pending_ + terms > kLongSumChunk) flush();
      pending_ += terms;
      for (int64_t grp = 0; grp < g_.G; ++grp) {
        const int64_t e0 = grp * g_.Og * g_.Cg * taps;
        correlate_weight(detected_direct_isa(), a + grp * g_.Og * f_.z_len + f_.front, f_.z_len,
                         g_.Og, x + grp * g_.Cg * f_.in_len, f_.in_len, g_.Cg, f_.off.data(), taps,
                         p0, p1, lane_acc_ ? lane_acc_ + e0 * lanes_ : nullptr,
                         lane_acc_ ? nullptr : acc_.data() + e0);
      }
    }
  }

  // dst += the sums (or, !accumulate, dst = the sums), rounded once to T.
  void add_to(T* dst, bool accumulate = true) {
    flush();
    for (size_t i = 0; i < acc_.size(); ++i)
      dst[i] = accumulate ? dst[i] + static_cast<T>(acc_[i]) : static_cast<T>(acc_[i]);
  }

 private:
  void flush() {
    if (pending_ == 0 || !lane_acc_) return;
    flush_weight_lanes(lane_acc_, g_.w_size(), lanes_, acc_.data());
    pending_ = 0;
  }

  const ConvGeom& g_;
  const FlatConv& f_;
  int64_t lanes_;
  std::vector<double> acc_;
  T* lane_acc_;
  int64_t pending_ = 0;  // terms added into each lane since the last flush
};

// out [O, out_len] (+)= W ⋆ x of one image, x padded [C, in_len], W packed per group.
template <class T>
void direct_forward(const ConvGeom& g, const FlatConv& f, const T* x,
                    const std::vector<std::vector<T>>& w, T* out, bool accumulate) {
  const int64_t taps = g.win.kh * g.win.kw;
  for (int64_t grp = 0; grp < g.G; ++grp) {
    correlate(detected_direct_isa(), x + grp * g.Cg * f.in_len, f.in_len, g.Cg, w[grp], g.Og,
              f.off.data(), taps, out + grp * g.Og * f.out_len, f.out_len, f.out_len, accumulate);
  }
}

// out [C, grad_len] (+)= Wᵀ ⋆ a of one image (the input derivative on the padded plane), a the
// framed output derivative [O, z_len], W packed transposed per group.
template <class T>
void direct_backward(const ConvGeom& g, const FlatConv& f, const T* a,
                     const std::vector<std::vector<T>>& wt, T* out, bool accumulate) {
  const int64_t taps = g.win.kh * g.win.kw;
  for (int64_t grp = 0; grp < g.G; ++grp) {
    correlate(detected_direct_isa(), a + grp * g.Og * f.z_len, f.z_len, g.Og, wt[grp], g.Cg,
              f.back_off.data(), taps, out + grp * g.Cg * f.grad_len, f.grad_len, f.grad_len,
              accumulate);
  }
}

}  // namespace

template <class T>
void conv2d_cache(OpCall<T>& c) {
  const ConvGeom g(c);
  if (use_direct(g)) {
    const FlatConv f(g.win, g.H, g.W);
    c.out.aux.resize({g.B * g.C, f.in_len});
    for (int64_t b = 0; b < g.B; ++b) {
      pad_input(f, c.in(0).val.data() + b * g.C * g.H * g.W, g.C,
                c.out.aux.data() + b * g.C * f.in_len);
    }
    return;
  }
  c.out.aux.resize({g.G * g.Kc, g.N});
  for (int64_t grp = 0; grp < g.G; ++grp)
    im2col(g, grp, c.in(0).val.data(), c.out.aux.data() + grp * g.Kc * g.N);
}

template void conv2d_cache<float>(OpCall<float>&);
template void conv2d_cache<double>(OpCall<double>&);

// y = W ⋆ x + b:  Y_g = W_g cols(x)_g
template <class T>
void Conv2dOp::value(OpCall<T>& c) {
  const ConvGeom g(c);
  conv2d_cache(c);
  const T* bias = c.has(2) ? c.in(2).val.data() : nullptr;
  if (use_direct(g)) {
    const FlatConv f(g.win, g.H, g.W);
    const std::vector<std::vector<T>> w = pack_groups(g, c.in(1).val.data(), false);
    T* out = c.scratch->get(0, g.O * f.out_len);
    for (int64_t b = 0; b < g.B; ++b) {
      direct_forward(g, f, c.out.aux.data() + b * g.C * f.in_len, w, out, false);
      unflatten_output(f, out, f.out_len, g.O, bias, c.out.val.data() + b * g.O * g.P);
    }
    return;
  }
  const T* cols = c.out.aux.data();
  T* z = c.scratch->get(0, g.out_size());
  const T* w = c.in(1).val.data();
  for (int64_t grp = 0; grp < g.G; ++grp) {
    const T* cg = cols + grp * g.Kc * g.N;
    mat(z + grp * g.Og * g.N, g.Og, g.N).noalias() =
        mat(w + grp * g.Og * g.Kc, g.Og, g.Kc) * mat(cg, g.Kc, g.N);
  }
  from_group_major(g, 1, z, bias, c.out.val.data());
}

// ẏ = W ⋆ ẋ + Ẇ ⋆ x + ḃ:  Ẏ_g = W_g cols(ẋ)_g + Ẇ_g cols(x)_g
template <class T>
void Conv2dOp::tangent(OpCall<T>& c) {
  const ConvGeom g(c);
  Slot<T>& x = c.in(0);
  Slot<T>& w = c.in(1);
  const int k = c.k;
  const bool bias = c.has(2) && c.in(2).varies;
  if (use_direct(g)) {
    const FlatConv f(g.win, g.H, g.W);
    const std::vector<std::vector<T>> wv = pack_groups(g, w.val.data(), false);
    T* out = c.scratch->get(0, g.O * f.out_len);
    T* xt = c.scratch->get(3, g.C * f.in_len);
    for (int j = 0; j < k; ++j) {
      std::vector<std::vector<T>> wt;
      if (w.varies) wt = pack_groups(g, w.tan.data() + j * g.w_size(), false);
      const T* bt = bias ? c.in(2).tan.data() + j * g.O : nullptr;
      for (int64_t b = 0; b < g.B; ++b) {
        if (w.varies) direct_forward(g, f, c.out.aux.data() + b * g.C * f.in_len, wt, out, false);
        if (x.varies) {
          pad_input(f, x.tan.data() + j * g.in_size() + b * g.C * g.H * g.W, g.C, xt,
                    j > 0 || b > 0);
          direct_forward(g, f, static_cast<const T*>(xt), wv, out, w.varies);
        }
        if (!w.varies && !x.varies) std::fill(out, out + g.O * f.out_len, T(0));
        unflatten_output(f, static_cast<const T*>(out), f.out_len, g.O, bt,
                         c.out.tan.data() + j * g.out_size() + b * g.O * g.P);
      }
    }
    return;
  }
  const int jc = column_chunk(g, k);
  T* z = c.scratch->get(0, k * g.out_size());
  const T* cols = c.out.aux.data();
  if (w.varies) {
    for (int64_t grp = 0; grp < g.G; ++grp) {
      for (int j0 = 0; j0 < k; j0 += jc) {
        mat(z + (grp * k + j0) * g.Og * g.N, jc * g.Og, g.N).noalias() =
            mat(w.tan.data() + (j0 * g.O + grp * g.Og) * g.Kc, jc * g.Og, g.Kc) *
            mat(cols + grp * g.Kc * g.N, g.Kc, g.N);
      }
    }
  } else {
    std::fill(z, z + k * g.out_size(), T(0));
  }
  if (x.varies) {
    T* cx = c.scratch->get(3, g.Kc * g.N);
    for (int j = 0; j < k; ++j) {
      for (int64_t grp = 0; grp < g.G; ++grp) {
        im2col(g, grp, x.tan.data() + j * g.in_size(), cx);
        mat(z + (grp * k + j) * g.Og * g.N, g.Og, g.N).noalias() +=
            mat(w.val.data() + grp * g.Og * g.Kc, g.Og, g.Kc) * mat(cx, g.Kc, g.N);
      }
    }
  }
  from_group_major(g, k, z, bias ? c.in(2).tan.data() : nullptr, c.out.tan.data());
}

// x̄ += col2im(W_gᵀ Ȳ_g),  W̄_g += Ȳ_g cols(x)_gᵀ,  b̄ += Σ_positions ȳ
template <class T>
void Conv2dOp::adjoint(OpCall<T>& c) {
  const ConvGeom g(c);
  Slot<T>& x = c.in(0);
  Slot<T>& w = c.in(1);
  if (use_direct(g)) {
    const FlatConv f(g.win, g.H, g.W);
    std::vector<std::vector<T>> wt;
    if (x.want_adj) wt = pack_groups(g, w.val.data(), true);
    std::optional<WeightSums<T>> wsum;
    if (w.want_adj) wsum.emplace(g, f, c.scratch->zeros(g.w_size() * weight_lanes_of<T>()));
    T* z = c.scratch->get(1, g.O * f.z_len);
    T* xb = c.scratch->get(4, g.C * f.grad_len);
    for (int64_t b = 0; b < g.B; ++b) {
      frame_output(f, c.out.adj.data() + b * g.O * g.P, g.O, z, b > 0);
      if (x.want_adj) {
        direct_backward(g, f, static_cast<const T*>(z), wt, xb, false);
        add_unpadded(f, static_cast<const T*>(xb), f.grad_len, g.C,
                     x.adj.data() + b * g.C * g.H * g.W);
      }
      if (wsum) wsum->add(static_cast<const T*>(z), c.out.aux.data() + b * g.C * f.in_len);
    }
    if (wsum) wsum->add_to(w.adj.data());
    if (c.has(2) && c.in(2).want_adj) add_channel_sums(g, 1, c.out.adj.data(), c.in(2).adj.data());
    return;
  }
  T* ybar = c.scratch->get(0, g.out_size());
  to_group_major(g, 1, c.out.adj.data(), ybar);
  const T* cols = c.out.aux.data();
  T* d = x.want_adj ? c.scratch->get(2, g.Kc * g.N) : nullptr;
  for (int64_t grp = 0; grp < g.G; ++grp) {
    auto Yg = mat(static_cast<const T*>(ybar) + grp * g.Og * g.N, g.Og, g.N);
    if (x.want_adj) {
      mat(d, g.Kc, g.N).noalias() =
          mat(w.val.data() + grp * g.Og * g.Kc, g.Og, g.Kc).transpose() * Yg;
      col2im(g, grp, static_cast<const T*>(d), x.adj.data());
    }
    if (w.want_adj) {
      add_abt_long_sum(w.adj.data() + grp * g.Og * g.Kc, Yg.data(), cols + grp * g.Kc * g.N, g.Og,
                       g.Kc, g.N);
    }
  }
  if (c.has(2) && c.in(2).want_adj)
    add_row_sums(g, 1, static_cast<const T*>(ybar), c.in(2).adj.data());
}

// x̄̇ += col2im(W_gᵀ Ȳ̇_g + Ẇ_gᵀ Ȳ_g),  W̄̇_g += Ȳ̇_g cols(x)_gᵀ + Ȳ_g cols(ẋ)_gᵀ,  b̄̇ += Σ_positions ȳ̇
// (a fresh x̄̇ or W̄̇ is written instead: directly on the direct path, zeroed first on im2col's)
template <class T>
void Conv2dOp::adjoint_tangent(OpCall<T>& c) {
  const ConvGeom g(c);
  Slot<T>& x = c.in(0);
  Slot<T>& w = c.in(1);
  const bool bias = c.has(2) && c.in(2).want_adjt;
  if (!x.want_adjt && !w.want_adjt && !bias) return;
  const int k = c.k;
  const bool curv = c.out.adj_on;
  const bool curv_x = curv && x.want_adjt && w.varies;  // ȳ ⋆ Ẇ into x̄̇
  const bool curv_w = curv && w.want_adjt && x.varies;  // ȳ ⋆ ẋ into W̄̇
  if (use_direct(g)) {
    const bool add_x = !take_fresh(x), add_w = !take_fresh(w);  // each written once per image
    const FlatConv f(g.win, g.H, g.W);
    std::vector<std::vector<T>> wt;
    if (x.want_adjt) wt = pack_groups(g, w.val.data(), true);
    std::vector<std::vector<std::vector<T>>> wdt(curv_x ? k : 0);
    for (int j = 0; j < static_cast<int>(wdt.size()); ++j)
      wdt[j] = pack_groups(g, w.tan.data() + j * g.w_size(), true);
    std::vector<WeightSums<T>> wsum;  // one per column
    if (w.want_adjt) {
      const int64_t lanes = g.w_size() * weight_lanes_of<T>();
      T* zeros = c.scratch->zeros(k * lanes);
      wsum.reserve(k);
      for (int j = 0; j < k; ++j) wsum.emplace_back(g, f, zeros + j * lanes);
    }
    T* zbar = (curv_x || curv_w) ? c.scratch->get(1, g.O * f.z_len) : nullptr;
    T* zdot = c.scratch->get(2, g.O * f.z_len);
    T* xt = curv_w ? c.scratch->get(3, g.C * f.in_len) : nullptr;
    T* xb = x.want_adjt ? c.scratch->get(4, g.C * f.grad_len) : nullptr;
    for (int64_t b = 0; b < g.B; ++b) {
      if (zbar) frame_output(f, c.out.adj.data() + b * g.O * g.P, g.O, zbar, b > 0);
      for (int j = 0; j < k; ++j) {
        const bool again = b > 0 || j > 0;  // zdot and xt hold their frames' zeros
        frame_output(f, c.out.adjt.data() + j * g.out_size() + b * g.O * g.P, g.O, zdot, again);
        if (x.want_adjt) {
          direct_backward(g, f, static_cast<const T*>(zdot), wt, xb, false);
          if (curv_x) direct_backward(g, f, static_cast<const T*>(zbar), wdt[j], xb, true);
          add_unpadded(f, static_cast<const T*>(xb), f.grad_len, g.C,
                       x.adjt.data() + j * g.in_size() + b * g.C * g.H * g.W, add_x);
        }
        if (w.want_adjt) {
          wsum[j].add(static_cast<const T*>(zdot), c.out.aux.data() + b * g.C * f.in_len);
          if (curv_w) {
            pad_input(f, x.tan.data() + j * g.in_size() + b * g.C * g.H * g.W, g.C, xt, again);
            wsum[j].add(static_cast<const T*>(zbar), static_cast<const T*>(xt));
          }
        }
      }
    }
    for (int j = 0; j < static_cast<int>(wsum.size()); ++j)
      wsum[j].add_to(w.adjt.data() + j * g.w_size(), add_w);
    if (bias) add_channel_sums(g, k, c.out.adjt.data(), c.in(2).adjt.data());
    return;
  }
  zero_if_fresh(x);
  zero_if_fresh(w);
  T* ydot = c.scratch->get(0, k * g.out_size());
  to_group_major(g, k, c.out.adjt.data(), ydot);
  T* ybar = nullptr;
  if (curv_x || curv_w) {
    ybar = c.scratch->get(1, g.out_size());
    to_group_major(g, 1, c.out.adj.data(), ybar);
  }
  const T* cols = c.out.aux.data();
  auto Ydot = [&](int64_t grp, int j, int cols_j) {
    return mat(static_cast<const T*>(ydot) + (grp * k + j) * g.Og * g.N, cols_j * g.Og, g.N);
  };
  auto Ybar = [&](int64_t grp) {
    return mat(static_cast<const T*>(ybar) + grp * g.Og * g.N, g.Og, g.N);
  };
  auto Wg = [&](const T* base, int j, int64_t grp, int cols_j) {
    return mat(base + (j * g.O + grp * g.Og) * g.Kc, cols_j * g.Og, g.Kc);
  };
  if (w.want_adjt) {
    const int jc = column_chunk(g, k);
    for (int64_t grp = 0; grp < g.G; ++grp) {
      for (int j0 = 0; j0 < k; j0 += jc) {
        add_abt_long_sum(w.adjt.data() + (j0 * g.O + grp * g.Og) * g.Kc, Ydot(grp, j0, jc).data(),
                         cols + grp * g.Kc * g.N, jc * g.Og, g.Kc, g.N);
      }
    }
  }
  if (x.want_adjt || curv_w) {
    T* d = c.scratch->get(2, g.Kc * g.N);
    T* cx = c.scratch->get(3, g.Kc * g.N);
    for (int j = 0; j < k; ++j) {
      for (int64_t grp = 0; grp < g.G; ++grp) {
        if (x.want_adjt) {
          auto D = mat(d, g.Kc, g.N);
          D.noalias() = Wg(w.val.data(), 0, grp, 1).transpose() * Ydot(grp, j, 1);
          if (curv_x) D.noalias() += Wg(w.tan.data(), j, grp, 1).transpose() * Ybar(grp);
          col2im(g, grp, static_cast<const T*>(d), x.adjt.data() + j * g.in_size());
        }
        if (curv_w) {
          im2col(g, grp, x.tan.data() + j * g.in_size(), cx);
          add_abt_long_sum(w.adjt.data() + (j * g.O + grp * g.Og) * g.Kc, Ybar(grp).data(),
                           static_cast<const T*>(cx), g.Og, g.Kc, g.N);
        }
      }
    }
  }
  if (bias) add_row_sums(g, k, static_cast<const T*>(ydot), c.in(2).adjt.data());
}

int64_t conv2d_work_elements(const Window2d& win, const Shape& x, const Shape& w, int64_t groups) {
  const int64_t B = x[0], C = x[1], H = x[2], W = x[3], O = w[0];
  if (use_direct(win, C / groups, O / groups)) {
    // padded input planes; per image: output rows, two framed derivative rows, a padded tangent
    // input and an input-derivative plane
    const FlatConv f(win, H, W);
    return B * C * f.in_len + O * (f.out_len + 2 * f.z_len) + C * (f.in_len + f.grad_len);
  }
  // im2col taps of the value and of one tangent column at a time: [C·kh·kw, B·OH·OW]
  const int64_t taps = B * win.out_h(H) * win.out_w(W) * C * w[2] * w[3];
  return 2 * taps;
}

HESS_INSTANTIATE_OP(Conv2dOp)

}  // namespace hess
