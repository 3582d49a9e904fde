#include "engine/ops/conv_direct.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include <immintrin.h>

namespace hess {

namespace {

// T's vector of VB bytes (GCC/Clang vector extensions: the compiler emits the target's
// instructions, AVX2 for 32 bytes, AVX-512 for 64 inside functions compiled for it).
template <class T, int VB>
struct VecOf;
template <>
struct VecOf<float, 32> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct VecOf<double, 32> {
  typedef double type __attribute__((vector_size(32)));
};
template <>
struct VecOf<float, 64> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VecOf<double, 64> {
  typedef double type __attribute__((vector_size(64)));
};

template <class T, int VB>
constexpr int64_t lanes() {
  return VB / static_cast<int64_t>(sizeof(T));
}

template <class V, class T>
[[gnu::always_inline]] inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

template <class V, class T>
[[gnu::always_inline]] inline void store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

int64_t round_up(int64_t n) {
  return (n + kDirectRound - 1) / kDirectRound * kDirectRound;
}

// v held in a vector register from here on: GCC would otherwise fold a loaded vector into each of
// its uses as a memory operand, a load per multiply-add (the weight kernel's 8 × 3 tile then needs
// 27 loads for 24 multiply-adds, and two load ports issue them slower than the two multiply-add
// ports).
template <class V>
[[gnu::always_inline]] inline void in_register(V& v) {
  asm("" : "+v"(v));
}

// *s in every lane of a vector, by one broadcast load (vbroadcastss/sd: a load-port instruction),
// held in a register. GCC's vector extensions build `V{} + *s` with a scalar addition and a
// register broadcast, two instructions on the multiply-add ports (perf: 2 of every 5 in correlate's
// loop), and intrinsics cannot be inlined into these kernels, which take their instruction set from
// the caller. The address goes in as a register, not a memory operand (which keeps GCC from holding
// the accumulators in registers across the loop): the packed weights it reads are not written while
// a kernel runs.
template <class V>
[[gnu::always_inline]] inline V splat(const float* s) {
  V v;
  asm("vbroadcastss (%1), %0" : "=v"(v) : "r"(s));
  return v;
}
template <class V>
[[gnu::always_inline]] inline V splat(const double* s) {
  V v;
  asm("vbroadcastsd (%1), %0" : "=v"(v) : "r"(s));
  return v;
}

template <class V>
[[gnu::always_inline]] inline double lane_sum(const V& v) {
  double s = 0;
  for (size_t l = 0; l < sizeof(V) / sizeof(v[0]); ++l) s += static_cast<double>(v[l]);
  return s;
}

// Where a weight tile's NR × NT sums go: their lane vectors added to lane[r][t] (in T, one vector
// each), or each summed over its lanes and added in double to *sum[r][t].
template <class T>
struct WeightSink {
  T* lane[kMaxRowBlock][3];
  double* sum[kMaxRowBlock][3];
};

// One tile of the weight derivative: for NR rows a_r and NT shifted input rows x_t,
// Σ_{p0 ≤ p < p1} a_r[p] · x_t[p] in T in L lanes (lane l sums the positions p ≡ l mod L), into
// the sink (Direct: summed over the lanes now).
template <class T, int VB, int NR, int NT, bool Direct>
[[gnu::always_inline]] inline void weight_tile(const T* const* a, const T* const* x, int64_t p0,
                                               int64_t p1, const WeightSink<T>& sink) {
  using V = typename VecOf<T, VB>::type;
  constexpr int64_t L = lanes<T, VB>();
  V acc[NR][NT] = {};
  for (int64_t p = p0; p < p1; p += L) {
    V xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = load<V>(x[t] + p);
    for (int r = 0; r < NR; ++r) {
      V av = load<V>(a[r] + p);
      in_register(av);
      for (int t = 0; t < NT; ++t) acc[r][t] += av * xv[t];
    }
  }
  for (int r = 0; r < NR; ++r) {
    for (int t = 0; t < NT; ++t) {
      if constexpr (Direct) {
        *sink.sum[r][t] += lane_sum(acc[r][t]);
      } else {
        store(sink.lane[r][t], load<V>(sink.lane[r][t]) + acc[r][t]);
      }
    }
  }
}

// One block of correlate(): NR rows of out (rows ≤ NR of them stored) from weights ws packed with
// a block stride of RB rows.
template <class T, int VB, int NR>
[[gnu::always_inline]] inline void correlate_block(const T* in, int64_t in_stride, int64_t S,
                                                   const T* wb, int64_t RB, int64_t rows,
                                                   const int64_t* off, int64_t taps, T* ob,
                                                   int64_t out_stride, int64_t len,
                                                   bool accumulate) {
  using V = typename VecOf<T, VB>::type;
  constexpr int64_t L = lanes<T, VB>();
  for (int64_t p = 0; p < len; p += 3 * L) {
    V acc[NR][3] = {};
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
        for (int r = 0; r < NR; ++r) {
          const V wv = splat<V>(ws + t * RB + r);
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
  front = (max_off + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
  z_len = grad_len + front;
  for (int64_t i = 0; i < w.kh; ++i) {
    for (int64_t j = 0; j < w.kw; ++j) {
      off.push_back(i * w.dh * Wp + j * w.dw);
      back_off.push_back(front - off.back());
    }
  }
}

namespace {

// Row operations for the layout copies below, on AVX-512: a row of n values as full 64-byte vectors
// and one masked tail, without a loop tail, an alignment peel or a call. The rows are a few to a
// few dozen values (5 to 30 on the benchmark CNN), where the portable loops spend more on their
// tails and libc's memmove/memset on their dispatch than on the copy (perf: 10 % of a product).
#define HESS_WIDE __attribute__((target("avx512f,avx512dq,avx512vl")))
HESS_WIDE inline __mmask16 tail_mask16(int64_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
HESS_WIDE inline __mmask8 tail_mask8(int64_t n) {
  return static_cast<__mmask8>((1u << n) - 1);
}
// d[0, n) = s[0, n) + add (s null: = add).
HESS_WIDE inline void row_set(const float* s, float add, float* d, int64_t n) {
  const __m512 a = _mm512_set1_ps(add);
  for (; n >= 16; n -= 16, d += 16) {
    _mm512_storeu_ps(d, s ? _mm512_add_ps(_mm512_loadu_ps(s), a) : a);
    if (s) s += 16;
  }
  if (n > 0) {
    const __mmask16 m = tail_mask16(n);
    _mm512_mask_storeu_ps(d, m, s ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, s), a) : a);
  }
}
HESS_WIDE inline void row_set(const double* s, double add, double* d, int64_t n) {
  const __m512d a = _mm512_set1_pd(add);
  for (; n >= 8; n -= 8, d += 8) {
    _mm512_storeu_pd(d, s ? _mm512_add_pd(_mm512_loadu_pd(s), a) : a);
    if (s) s += 8;
  }
  if (n > 0) {
    const __mmask8 m = tail_mask8(n);
    _mm512_mask_storeu_pd(d, m, s ? _mm512_add_pd(_mm512_maskz_loadu_pd(m, s), a) : a);
  }
}
// d[0, n) += s[0, n).
HESS_WIDE inline void row_add(const float* s, float* d, int64_t n) {
  for (; n >= 16; n -= 16, d += 16, s += 16)
    _mm512_storeu_ps(d, _mm512_add_ps(_mm512_loadu_ps(d), _mm512_loadu_ps(s)));
  if (n > 0) {
    const __mmask16 m = tail_mask16(n);
    _mm512_mask_storeu_ps(d, m,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m, d), _mm512_maskz_loadu_ps(m, s)));
  }
}
HESS_WIDE inline void row_add(const double* s, double* d, int64_t n) {
  for (; n >= 8; n -= 8, d += 8, s += 8)
    _mm512_storeu_pd(d, _mm512_add_pd(_mm512_loadu_pd(d), _mm512_loadu_pd(s)));
  if (n > 0) {
    const __mmask8 m = tail_mask8(n);
    _mm512_mask_storeu_pd(d, m,
                          _mm512_add_pd(_mm512_maskz_loadu_pd(m, d), _mm512_maskz_loadu_pd(m, s)));
  }
}

// dst[0, len) = `rows` rows of `width` values from src (one after another) at first + r·pitch, and
// zeros in between: every element written once (with rows_only, only the rows: the zeros are there
// from an earlier call).
template <class T>
void place_rows(const T* src, int64_t rows, int64_t width, T* dst, int64_t first, int64_t pitch,
                int64_t len, bool rows_only) {
  int64_t pos = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t at = first + r * pitch;
    if (!rows_only) std::fill(dst + pos, dst + at, T(0));
    std::copy(src + r * width, src + (r + 1) * width, dst + at);
    pos = at + width;
  }
  if (!rows_only) std::fill(dst + pos, dst + len, T(0));
}
template <class T>
HESS_WIDE void place_rows_wide(const T* src, int64_t rows, int64_t width, T* dst, int64_t first,
                               int64_t pitch, int64_t len, bool rows_only) {
  int64_t pos = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t at = first + r * pitch;
    if (!rows_only) row_set(static_cast<const T*>(nullptr), T(0), dst + pos, at - pos);
    row_set(src + r * width, T(0), dst + at, width);
    pos = at + width;
  }
  if (!rows_only) row_set(static_cast<const T*>(nullptr), T(0), dst + pos, len - pos);
}

template <class T>
void place_planes(const T* src, int64_t channels, int64_t rows, int64_t width, T* dst,
                  int64_t plane, int64_t first, int64_t pitch, bool rows_only) {
  const int64_t per = rows * width;
  if (pitch == width) {  // no columns between the rows (no column padding): one row per plane
    width = per;
    rows = 1;
  }
  if (detected_direct_isa() == DirectIsa::Avx512) {
    for (int64_t c = 0; c < channels; ++c)
      place_rows_wide(src + c * per, rows, width, dst + c * plane, first, pitch, plane, rows_only);
    return;
  }
  for (int64_t c = 0; c < channels; ++c)
    place_rows(src + c * per, rows, width, dst + c * plane, first, pitch, plane, rows_only);
}

template <class T>
HESS_WIDE void unflatten_wide(const FlatConv& f, const T* src, int64_t stride, int64_t channels,
                              const T* bias, T* y) {
  for (int64_t c = 0; c < channels; ++c) {
    const T add = bias ? bias[c] : T(0);
    for (int64_t oh = 0; oh < f.OH; ++oh)
      row_set(src + c * stride + oh * f.Wp, add, y + (c * f.OH + oh) * f.OW, f.OW);
  }
}

template <class T>
HESS_WIDE void add_unpadded_wide(const FlatConv& f, const T* src, int64_t stride, int64_t channels,
                                 T* x, bool accumulate) {
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t h = 0; h < f.H; ++h) {
      const T* s = src + c * stride + (h + f.pt) * f.Wp + f.pl;
      T* d = x + (c * f.H + h) * f.W;
      if (accumulate) {
        row_add(s, d, f.W);
      } else {
        row_set(s, T(0), d, f.W);
      }
    }
  }
}
#undef HESS_WIDE

}  // namespace

template <class T>
void pad_input(const FlatConv& f, const T* x, int64_t channels, T* dst, bool zeros_in_place) {
  place_planes(x, channels, f.H, f.W, dst, f.in_len, f.pt * f.Wp + f.pl, f.Wp, zeros_in_place);
}

template <class T>
void frame_output(const FlatConv& f, const T* y, int64_t channels, T* dst, bool zeros_in_place) {
  place_planes(y, channels, f.OH, f.OW, dst, f.z_len, f.front, f.Wp, zeros_in_place);
}

template <class T>
void unflatten_output(const FlatConv& f, const T* src, int64_t stride, int64_t channels,
                      const T* bias, T* y) {
  if (detected_direct_isa() == DirectIsa::Avx512) {
    unflatten_wide(f, src, stride, channels, bias, y);
    return;
  }
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
void add_unpadded(const FlatConv& f, const T* src, int64_t stride, int64_t channels, T* x,
                  bool accumulate) {
  if (detected_direct_isa() == DirectIsa::Avx512) {
    add_unpadded_wide(f, src, stride, channels, x, accumulate);
    return;
  }
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t h = 0; h < f.H; ++h) {
      const T* s = src + c * stride + (h + f.pt) * f.Wp + f.pl;
      T* d = x + (c * f.H + h) * f.W;
      if (accumulate) {
        for (int64_t w = 0; w < f.W; ++w) d[w] += s[w];
      } else {
        std::copy(s, s + f.W, d);
      }
    }
  }
}

template <class T>
void pack_direct_weight(DirectIsa isa, const T* w, int64_t R, int64_t S, int64_t taps,
                        bool transposed, std::vector<T>& packed) {
  const int64_t RB = direct_row_block(isa);
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

// flush_weight_lanes() for L lanes (a multiple of 4): each entry's lanes converted to double and
// added four at a time into one vector of 4 partial sums; four entries' vectors then reduced
// together by a transposing tree (the first shuffle pairs entries 0/1 and 2/3, the second pairs
// the halves), so four sums take six additions and four shuffles instead of twelve dependent
// scalar additions.
template <class T, int L>
void flush_lanes(T* lanes_acc, int64_t entries, double* acc) {
  static_assert(L % 4 == 0);
  typedef T T4 __attribute__((vector_size(4 * sizeof(T))));
  typedef double D4 __attribute__((vector_size(4 * sizeof(double))));
  auto partial = [&](int64_t e) {
    D4 v = __builtin_convertvector(load<T4>(lanes_acc + e * L), D4);
    for (int l = 4; l < L; l += 4)
      v += __builtin_convertvector(load<T4>(lanes_acc + e * L + l), D4);
    return v;
  };
  int64_t e = 0;
  for (; e + 4 <= entries; e += 4) {
    const D4 a0 = partial(e), a1 = partial(e + 1), a2 = partial(e + 2), a3 = partial(e + 3);
    const D4 b0 =
        __builtin_shufflevector(a0, a1, 0, 4, 2, 6) + __builtin_shufflevector(a0, a1, 1, 5, 3, 7);
    const D4 b1 =
        __builtin_shufflevector(a2, a3, 0, 4, 2, 6) + __builtin_shufflevector(a2, a3, 1, 5, 3, 7);
    const D4 sums =
        __builtin_shufflevector(b0, b1, 0, 1, 4, 5) + __builtin_shufflevector(b0, b1, 2, 3, 6, 7);
    store(acc + e, load<D4>(acc + e) + sums);
  }
  for (; e < entries; ++e) {
    const D4 v = partial(e);
    acc[e] += (v[0] + v[1]) + (v[2] + v[3]);
  }
  std::fill(lanes_acc, lanes_acc + entries * L, T(0));
}

// correlate() with VB-byte vectors and blocks of RB rows (a tail of at most 4 rows runs 4).
template <class T, int VB, int RB>
[[gnu::always_inline]] inline void correlate_impl(const T* in, int64_t in_stride, int64_t S,
                                                  const std::vector<T>& packed, int64_t R,
                                                  const int64_t* off, int64_t taps, T* out,
                                                  int64_t out_stride, int64_t len,
                                                  bool accumulate) {
  assert((len % (3 * lanes<T, VB>()) == 0));
  for (int64_t r0 = 0; r0 < R; r0 += RB) {
    const T* wb = packed.data() + (r0 / RB) * S * taps * RB;
    const int64_t rows = std::min<int64_t>(RB, R - r0);
    T* ob = out + r0 * out_stride;
    if (RB > 4 && rows <= 4) {
      correlate_block<T, VB, 4>(in, in_stride, S, wb, RB, rows, off, taps, ob, out_stride, len,
                                accumulate);
    } else {
      correlate_block<T, VB, RB>(in, in_stride, S, wb, RB, rows, off, taps, ob, out_stride, len,
                                 accumulate);
    }
  }
}

// Weight derivative rows r0 .. r0 + rows over taps t0 .. t0 + nt, NR rows at a time, into the sink.
template <class T, int VB, int NR, bool Direct>
[[gnu::always_inline]] inline void weight_rows(const T* const* ar, const T* in_s,
                                               const int64_t* off, int64_t p0, int64_t p1,
                                               const WeightSink<T>& sink, int64_t t0, int nt) {
  const T* xr[3];
  for (int t = 0; t < nt; ++t) xr[t] = in_s + off[t0 + t];
  if (nt == 3) {
    weight_tile<T, VB, NR, 3, Direct>(ar, xr, p0, p1, sink);
  } else if (nt == 2) {
    weight_tile<T, VB, NR, 2, Direct>(ar, xr, p0, p1, sink);
  } else {
    weight_tile<T, VB, NR, 1, Direct>(ar, xr, p0, p1, sink);
  }
}

// correlate_weight() with VB-byte vectors and blocks of RB rows (a tail of at most 4 rows runs 4).
// Rows and taps past the real ones in a tile read the last row and go to a spare sink.
template <class T, int VB, int RB, bool Direct>
[[gnu::always_inline]] inline void correlate_weight_rows(const T* a, int64_t a_stride, int64_t R,
                                                         const T* in, int64_t in_stride, int64_t S,
                                                         const int64_t* off, int64_t taps,
                                                         int64_t p0, int64_t p1, T* lanes_acc,
                                                         double* acc) {
  constexpr int64_t L = lanes<T, VB>();
  assert((p0 % L == 0 && p1 % L == 0));
  alignas(64) T spare[L] = {};
  double spare_sum = 0;
  for (int64_t r0 = 0; r0 < R; r0 += RB) {
    const int64_t rows = std::min<int64_t>(RB, R - r0);
    const T* ar[RB];
    for (int64_t r = 0; r < RB; ++r) ar[r] = a + (r0 + std::min(r, rows - 1)) * a_stride;
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t t0 = 0; t0 < taps; t0 += 3) {
        const int nt = static_cast<int>(std::min<int64_t>(3, taps - t0));
        WeightSink<T> sink;
        for (int64_t r = 0; r < kMaxRowBlock; ++r) {
          for (int t = 0; t < 3; ++t) {
            const bool real = r < rows && t < nt;
            const int64_t e = ((r0 + r) * S + s) * taps + t0 + t;
            sink.lane[r][t] = real && !Direct ? lanes_acc + e * L : spare;
            sink.sum[r][t] = real && Direct ? acc + e : &spare_sum;
          }
        }
        if (RB > 4 && rows <= 4) {
          weight_rows<T, VB, 4, Direct>(ar, in + s * in_stride, off, p0, p1, sink, t0, nt);
        } else {
          weight_rows<T, VB, RB, Direct>(ar, in + s * in_stride, off, p0, p1, sink, t0, nt);
        }
      }
    }
  }
}

template <class T, int VB, int RB>
[[gnu::always_inline]] inline void correlate_weight_impl(const T* a, int64_t a_stride, int64_t R,
                                                         const T* in, int64_t in_stride, int64_t S,
                                                         const int64_t* off, int64_t taps,
                                                         int64_t p0, int64_t p1, T* lanes_acc,
                                                         double* acc) {
  assert((lanes_acc == nullptr) != (acc == nullptr));
  if (acc) {
    correlate_weight_rows<T, VB, RB, true>(a, a_stride, R, in, in_stride, S, off, taps, p0, p1,
                                           nullptr, acc);
  } else {
    correlate_weight_rows<T, VB, RB, false>(a, a_stride, R, in, in_stride, S, off, taps, p0, p1,
                                            lanes_acc, nullptr);
  }
}

// The kernels compiled for AVX-512 (64-byte vectors), called only where the CPU has it.
#define HESS_WIDE_KERNELS(T)                                                                 \
  __attribute__((target("avx512f,avx512dq,avx512vl"))) void correlate_wide(                  \
      const T* in, int64_t in_stride, int64_t S, const std::vector<T>& packed, int64_t R,    \
      const int64_t* off, int64_t taps, T* out, int64_t out_stride, int64_t len,             \
      bool accumulate) {                                                                     \
    correlate_impl<T, 64, 8>(in, in_stride, S, packed, R, off, taps, out, out_stride, len,   \
                             accumulate);                                                    \
  }                                                                                          \
  __attribute__((target("avx512f,avx512dq,avx512vl"))) void correlate_weight_wide(           \
      const T* a, int64_t a_stride, int64_t R, const T* in, int64_t in_stride, int64_t S,    \
      const int64_t* off, int64_t taps, int64_t p0, int64_t p1, T* lanes_acc, double* acc) { \
    correlate_weight_impl<T, 64, 8>(a, a_stride, R, in, in_stride, S, off, taps, p0, p1,     \
                                    lanes_acc, acc);                                         \
  }
namespace {
HESS_WIDE_KERNELS(float)
HESS_WIDE_KERNELS(double)
}  // namespace
#undef HESS_WIDE_KERNELS

int64_t direct_row_block(DirectIsa isa) {
  return isa == DirectIsa::Avx512 ? 8 : 4;
}

DirectIsa detected_direct_isa() {
  static const DirectIsa isa = __builtin_cpu_supports("avx512f") &&
                                       __builtin_cpu_supports("avx512dq") &&
                                       __builtin_cpu_supports("avx512vl")
                                   ? DirectIsa::Avx512
                                   : DirectIsa::Avx2;
  return isa;
}

template <class T>
void correlate(DirectIsa isa, const T* in, int64_t in_stride, int64_t S,
               const std::vector<T>& packed, int64_t R, const int64_t* off, int64_t taps, T* out,
               int64_t out_stride, int64_t len, bool accumulate) {
  if (isa == DirectIsa::Avx512) {
    correlate_wide(in, in_stride, S, packed, R, off, taps, out, out_stride, len, accumulate);
  } else {
    correlate_impl<T, 32, 4>(in, in_stride, S, packed, R, off, taps, out, out_stride, len,
                             accumulate);
  }
}

template <class T>
int64_t weight_lanes(DirectIsa isa) {
  return isa == DirectIsa::Avx512 ? lanes<T, 64>() : lanes<T, 32>();
}

template <class T>
void correlate_weight(DirectIsa isa, const T* a, int64_t a_stride, int64_t R, const T* in,
                      int64_t in_stride, int64_t S, const int64_t* off, int64_t taps, int64_t p0,
                      int64_t p1, T* lanes_acc, double* acc) {
  if (isa == DirectIsa::Avx512) {
    correlate_weight_wide(a, a_stride, R, in, in_stride, S, off, taps, p0, p1, lanes_acc, acc);
  } else {
    correlate_weight_impl<T, 32, 4>(a, a_stride, R, in, in_stride, S, off, taps, p0, p1, lanes_acc,
                                    acc);
  }
}

template <class T>
void flush_weight_lanes(T* lanes_acc, int64_t entries, int64_t L, double* acc) {
  if (L == 16) {
    flush_lanes<T, 16>(lanes_acc, entries, acc);
  } else if (L == 8) {
    flush_lanes<T, 8>(lanes_acc, entries, acc);
  } else {
    assert(L == 4);
    flush_lanes<T, 4>(lanes_acc, entries, acc);
  }
}

#define HESS_DIRECT_CONV(T)                                                                     \
  template void pad_input<T>(const FlatConv&, const T*, int64_t, T*, bool);                     \
  template void frame_output<T>(const FlatConv&, const T*, int64_t, T*, bool);                  \
  template void unflatten_output<T>(const FlatConv&, const T*, int64_t, int64_t, const T*, T*); \
  template void add_unpadded<T>(const FlatConv&, const T*, int64_t, int64_t, T*, bool);         \
  template void pack_direct_weight<T>(DirectIsa, const T*, int64_t, int64_t, int64_t, bool,     \
                                      std::vector<T>&);                                         \
  template void correlate<T>(DirectIsa, const T*, int64_t, int64_t, const std::vector<T>&,      \
                             int64_t, const int64_t*, int64_t, T*, int64_t, int64_t, bool);     \
  template int64_t weight_lanes<T>(DirectIsa);                                                  \
  template void correlate_weight<T>(DirectIsa, const T*, int64_t, int64_t, const T*, int64_t,   \
                                    int64_t, const int64_t*, int64_t, int64_t, int64_t, T*,     \
                                    double*);                                                   \
  template void flush_weight_lanes<T>(T*, int64_t, int64_t, double*);
HESS_DIRECT_CONV(float)
HESS_DIRECT_CONV(double)
#undef HESS_DIRECT_CONV

}  // namespace hess
