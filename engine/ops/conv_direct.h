#pragma once
// Direct kernels for stride-1 convolutions in a flat padded layout, without im2col columns or
// GEMM packing (which dominated narrow layers: 16 output channels against 50,000 positions).
//
// One image's channel is stored "flat": its zero-padded H_p × W_p plane as one row of length
// W_p·H_p, so that every kernel tap (i, j) is a shift by off = i·dh·W_p + j·dw of that row and an
// output position (oh, ow) sits at p = oh·W_p + ow (columns ow ≥ OW of a row are computed and
// discarded). The kernels then vectorize along p with no bounds, holding a block of output rows and
// a tile of positions in registers.

#include <cstdint>
#include <vector>

#include "engine/ops/window.h"

namespace hess {

// Positions are computed in tiles of 3 vectors; every row length is rounded up to this many (a
// multiple of the float and the double tile with 32- and 64-byte vectors).
constexpr int64_t kDirectRound = 48;
// Elements of one 64-byte vector of floats: framed rows start their data at a multiple of it.
constexpr int64_t kDirectAlign = 16;

// The vector instructions the kernels run: AVX2 (32-byte vectors, the build's baseline) or AVX-512
// (64-byte), chosen per call; detected_direct_isa() is the widest this CPU has.
enum class DirectIsa { Avx2, Avx512 };
DirectIsa detected_direct_isa();

// The flat layout of one image for a stride-1 window (sh = sw = 1) on an H × W input.
struct FlatConv {
  int64_t H = 0, W = 0;      // input extents
  int64_t pt = 0, pl = 0;    // padding before the first row and column
  int64_t Hp = 0, Wp = 0;    // padded extents
  int64_t OH = 0, OW = 0;    // output extents
  int64_t out_len = 0;       // positions computed per output channel: OH·Wp rounded up to a tile
  int64_t grad_len = 0;      // positions of an input-derivative plane: Hp·Wp rounded up to a tile
  int64_t max_off = 0;       // the largest tap shift
  int64_t in_len = 0;        // padded input row: out_len + max_off (zeros past the image)
  int64_t front = 0;         // zeros before a framed row's first position: max_off rounded up to
                             // kDirectAlign, so the weight kernels read that row aligned
  int64_t z_len = 0;         // zero-framed output-derivative row: grad_len + front
  std::vector<int64_t> off;  // tap shifts, in the weight's (i, j) order
  std::vector<int64_t> back_off;  // front − off: the taps of the input derivative

  FlatConv(const Window2d& w, int64_t H, int64_t W);
};

static_assert(kDirectRound % (3 * 64 / sizeof(float)) == 0 &&
              kDirectRound % (3 * 64 / sizeof(double)) == 0);

// Layout moves of `channels` planes between the tensors' [H, W] / [OH, OW] planes and flat rows.
// pad_input: dst[c·in_len + (h + pt)·Wp + w + pl] = x[c·H·W + h·W + w], zeros elsewhere.
// With zeros_in_place, dst holds this layout already (an earlier call with the same geometry and
// channels wrote it, and nothing else since): only the rows are written, not the zeros around them.
template <class T>
void pad_input(const FlatConv& f, const T* x, int64_t channels, T* dst,
               bool zeros_in_place = false);
// frame_output: dst[c·z_len + front + oh·Wp + ow] = y[c·OH·OW + oh·OW + ow], zeros elsewhere
// (zeros_in_place as for pad_input).
template <class T>
void frame_output(const FlatConv& f, const T* y, int64_t channels, T* dst,
                  bool zeros_in_place = false);
// unflatten_output: y[c·OH·OW + oh·OW + ow] = src[c·stride + oh·Wp + ow] + (bias ? bias[c] : 0).
template <class T>
void unflatten_output(const FlatConv& f, const T* src, int64_t stride, int64_t channels,
                      const T* bias, T* y);
// add_unpadded: x[c·H·W + h·W + w] += src[c·stride + (h + pt)·Wp + w + pl]; with !accumulate,
// x[...] = src[...].
template <class T>
void add_unpadded(const FlatConv& f, const T* src, int64_t stride, int64_t channels, T* x,
                  bool accumulate = true);

// Output rows the kernels hold in registers at once (4 with AVX2's 16 vector registers, 8 with
// AVX-512's 32): weights are packed in blocks of this many rows.
int64_t direct_row_block(DirectIsa isa);
constexpr int64_t kMaxRowBlock = 8;

// Rows of a packed weight for correlate(): R output rows, S input channels, T taps, as blocks of
// direct_row_block(isa) rows, [ceil(R / block)][S][T][block] (rows past R are zero). The weight
// entry of (r, s, t) is w[(r·S + s)·T + t] (forward: a conv weight [O, C, T]) or, transposed,
// w[(s·R + r)·T + t] (the input derivative: rows are the conv's input channels).
template <class T>
void pack_direct_weight(DirectIsa isa, const T* w, int64_t R, int64_t S, int64_t taps,
                        bool transposed, std::vector<T>& packed);

// out[r, p] (+)= Σ_{s < S, t < taps} W(r, s, t) · in[s·in_stride + p + off[t]] for r < R and
// p < len (len a multiple of kDirectRound), W packed by pack_direct_weight; accumulate adds to
// out, else overwrites it.
template <class T>
void correlate(DirectIsa isa, const T* in, int64_t in_stride, int64_t S,
               const std::vector<T>& packed, int64_t R, const int64_t* off, int64_t taps, T* out,
               int64_t out_stride, int64_t len, bool accumulate);

// The weight derivative's entries e = (r·S + s)·taps + t, Σ_p a[r·a_stride + p] · in[s·in_stride +
// p + off[t]], are summed in T in L = weight_lanes<T>(isa) lanes each (lane l takes the positions
// p ≡ l mod L), which stay in memory across calls (images) and are added in double only by
// flush_weight_lanes: a per-call reduction of the lanes had cost as much as the multiply-adds on
// 14 × 14 images.
template <class T>
int64_t weight_lanes(DirectIsa isa);

// For every entry e (R·S·taps of them) the sums over p0 ≤ p < p1 (multiples of 16) in T, either
//   lanes_acc[e·L + l] += Σ_{p ≡ l mod L} a[r·a_stride + p] · in[s·in_stride + p + off[t]]
// (callers flush before any lane has taken kLongSumChunk terms since its last flush), or, with
// lanes_acc null, each entry's lanes added in double into acc[e] at once (for one image, whose
// lanes would be flushed after one call anyway). Exactly one of lanes_acc and acc is given.
template <class T>
void correlate_weight(DirectIsa isa, const T* a, int64_t a_stride, int64_t R, const T* in,
                      int64_t in_stride, int64_t S, const int64_t* off, int64_t taps, int64_t p0,
                      int64_t p1, T* lanes_acc, double* acc);

// acc[e] += Σ_l lanes_acc[e·L + l] in double for e < entries, then lanes_acc = 0.
template <class T>
void flush_weight_lanes(T* lanes_acc, int64_t entries, int64_t L, double* acc);

}  // namespace hess
