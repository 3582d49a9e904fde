#include "engine/ops/conv_direct.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace hess {

namespace {

template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(32)));
};

template <class V, class T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

template <class V, class T>
inline void store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

template <class V>
inline double lane_sum(const V& v) {
  double s = 0;
  for (size_t l = 0; l < sizeof(V) / sizeof(v[0]); ++l) s += static_cast<double>(v[l]);
  return s;
}

int64_t round_up(int64_t n) {
  return (n + kDirectRound - 1) / kDirectRound * kDirectRound;
}

// One tile of the weight derivative: acc[r][t] = Σ_{p0 ≤ p < p1} a_r[p] · x_t[p] for 4 rows and NT
// shifted input rows, in T, summed over the lanes in double at the end.
template <class T, int NT>
void weight_tile(const T* const* a, const T* const* x, int64_t p0, int64_t p1,
                 double (&out)[kDirectRowBlock][3]) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = direct_lanes<T>();
  V acc[kDirectRowBlock][NT] = {};
  for (int64_t p = p0; p < p1; p += L) {
    V xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = load<V>(x[t] + p);
    for (int64_t r = 0; r < kDirectRowBlock; ++r) {
      const V av = load<V>(a[r] + p);
      for (int t = 0; t < NT; ++t) acc[r][t] += av * xv[t];
    }
  }
  for (int64_t r = 0; r < kDirectRowBlock; ++r)
    for (int t = 0; t < NT; ++t) out[r][t] = lane_sum(acc[r][t]);
}

}  // namespace

FlatConv::FlatConv(const Window2d& w, int64_t H_, int64_t W_) : H(H_), W(W_), pt(w.pt), pl(w.pl) {
  assert(w.sh == 1 && w.sw == 1);
  Hp = H + w.pt + w.pb;
  Wp = W + w.pl + w.pr;
  OH = Hp - w.dh * (w.kh - 1);
  OW = Wp - w.dw * (w.kw - 1);
  out_len = round_up(OH * Wp);
  grad_len = round_up(Hp * Wp);
  max_off = (w.kh - 1) * w.dh * Wp + (w.kw - 1) * w.dw;
  in_len = out_len + max_off;
  z_len = grad_len + max_off;
  for (int64_t i = 0; i < w.kh; ++i) {
    for (int64_t j = 0; j < w.kw; ++j) {
      off.push_back(i * w.dh * Wp + j * w.dw);
      back_off.push_back(max_off - off.back());
    }
  }
}

template <class T>
void pad_input(const FlatConv& f, const T* x, int64_t channels, T* dst) {
  for (int64_t c = 0; c < channels; ++c) {
    T* d = dst + c * f.in_len;
    std::fill(d, d + f.in_len, T(0));
    for (int64_t h = 0; h < f.H; ++h) {
      const T* s = x + (c * f.H + h) * f.W;
      std::copy(s, s + f.W, d + (h + f.pt) * f.Wp + f.pl);
    }
  }
}

template <class T>
void frame_output(const FlatConv& f, const T* y, int64_t channels, T* dst) {
  for (int64_t c = 0; c < channels; ++c) {
    T* d = dst + c * f.z_len;
    std::fill(d, d + f.z_len, T(0));
    for (int64_t oh = 0; oh < f.OH; ++oh) {
      const T* s = y + (c * f.OH + oh) * f.OW;
      std::copy(s, s + f.OW, d + f.max_off + oh * f.Wp);
    }
  }
}

template <class T>
void unflatten_output(const FlatConv& f, const T* src, int64_t stride, int64_t channels,
                      const T* bias, T* y) {
  for (int64_t c = 0; c < channels; ++c) {
    const T add = bias ? bias[c] : T(0);
    for (int64_t oh = 0; oh < f.OH; ++oh) {
      const T* s = src + c * stride + oh * f.Wp;
      T* d = y + (c * f.OH + oh) * f.OW;
      for (int64_t ow = 0; ow < f.OW; ++ow) d[ow] = s[ow] + add;
    }
  }
}

template <class T>
void add_unpadded(const FlatConv& f, const T* src, int64_t stride, int64_t channels, T* x) {
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t h = 0; h < f.H; ++h) {
      const T* s = src + c * stride + (h + f.pt) * f.Wp + f.pl;
      T* d = x + (c * f.H + h) * f.W;
      for (int64_t w = 0; w < f.W; ++w) d[w] += s[w];
    }
  }
}

template <class T>
void pack_direct_weight(const T* w, int64_t R, int64_t S, int64_t taps, bool transposed,
                        std::vector<T>& packed) {
  constexpr int64_t RB = kDirectRowBlock;
  const int64_t blocks = (R + RB - 1) / RB;
  packed.assign(blocks * S * taps * RB, T(0));
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t t = 0; t < taps; ++t) {
        const T v = transposed ? w[(s * R + r) * taps + t] : w[(r * S + s) * taps + t];
        packed[(((r / RB) * S + s) * taps + t) * RB + r % RB] = v;
      }
    }
  }
}

template <class T>
void correlate(const T* in, int64_t in_stride, int64_t S, const std::vector<T>& packed, int64_t R,
               const int64_t* off, int64_t taps, T* out, int64_t out_stride, int64_t len,
               bool accumulate) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = direct_lanes<T>(), RB = kDirectRowBlock;
  assert(len % direct_tile<T>() == 0);
  const int64_t blocks = (R + RB - 1) / RB;
  for (int64_t rb = 0; rb < blocks; ++rb) {
    const T* wb = packed.data() + rb * S * taps * RB;
    const int64_t rows = std::min(RB, R - rb * RB);
    T* ob = out + rb * RB * out_stride;
    for (int64_t p = 0; p < len; p += 3 * L) {
      V acc[RB][3] = {};
      if (accumulate) {
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t v = 0; v < 3; ++v) acc[r][v] = load<V>(ob + r * out_stride + p + v * L);
      }
      for (int64_t s = 0; s < S; ++s) {
        const T* src = in + s * in_stride + p;
        const T* ws = wb + s * taps * RB;
        for (int64_t t = 0; t < taps; ++t) {
          const T* x = src + off[t];
          const V x0 = load<V>(x), x1 = load<V>(x + L), x2 = load<V>(x + 2 * L);
          for (int64_t r = 0; r < RB; ++r) {
            const V wv = V{} + ws[t * RB + r];
            acc[r][0] += wv * x0;
            acc[r][1] += wv * x1;
            acc[r][2] += wv * x2;
          }
        }
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < 3; ++v) store(ob + r * out_stride + p + v * L, acc[r][v]);
    }
  }
}

template <class T>
void correlate_weight(const T* a, int64_t a_stride, int64_t R, const T* in, int64_t in_stride,
                      int64_t S, const int64_t* off, int64_t taps, int64_t p0, int64_t p1,
                      double* acc) {
  constexpr int64_t RB = kDirectRowBlock;
  assert(p0 % direct_lanes<T>() == 0 && p1 % direct_lanes<T>() == 0);
  for (int64_t r0 = 0; r0 < R; r0 += RB) {
    const int64_t rows = std::min(RB, R - r0);
    const T* ar[RB];
    for (int64_t r = 0; r < RB; ++r) ar[r] = a + (r0 + std::min(r, rows - 1)) * a_stride;
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t t0 = 0; t0 < taps; t0 += 3) {
        const int nt = static_cast<int>(std::min<int64_t>(3, taps - t0));
        const T* xr[3];
        for (int t = 0; t < nt; ++t) xr[t] = in + s * in_stride + off[t0 + t];
        double part[RB][3];
        if (nt == 3) {
          weight_tile<T, 3>(ar, xr, p0, p1, part);
        } else if (nt == 2) {
          weight_tile<T, 2>(ar, xr, p0, p1, part);
        } else {
          weight_tile<T, 1>(ar, xr, p0, p1, part);
        }
        for (int64_t r = 0; r < rows; ++r)
          for (int t = 0; t < nt; ++t) acc[((r0 + r) * S + s) * taps + t0 + t] += part[r][t];
      }
    }
  }
}

#define HESS_DIRECT_CONV(T)                                                                        \
  template void pad_input<T>(const FlatConv&, const T*, int64_t, T*);                              \
  template void frame_output<T>(const FlatConv&, const T*, int64_t, T*);                           \
  template void unflatten_output<T>(const FlatConv&, const T*, int64_t, int64_t, const T*, T*);    \
  template void add_unpadded<T>(const FlatConv&, const T*, int64_t, int64_t, T*);                  \
  template void pack_direct_weight<T>(const T*, int64_t, int64_t, int64_t, bool, std::vector<T>&); \
  template void correlate<T>(const T*, int64_t, int64_t, const std::vector<T>&, int64_t,           \
                             const int64_t*, int64_t, T*, int64_t, int64_t, bool);                 \
  template void correlate_weight<T>(const T*, int64_t, int64_t, const T*, int64_t, int64_t,        \
                                    const int64_t*, int64_t, int64_t, int64_t, double*);
HESS_DIRECT_CONV(float)
HESS_DIRECT_CONV(double)
#undef HESS_DIRECT_CONV

}  // namespace hess
