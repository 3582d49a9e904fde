// engine/ops/conv_direct: the flat-row kernels against plain loops over the same rows, for every
// instruction set this CPU has (AVX2 always; AVX-512 where present), in float and double, with
// row counts around the register blocks (1, 3, 4, 5, 8, 9, 17) and 1 to 11 taps.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/ops/conv_direct.h"
#include "engine/random.h"

using namespace hess;

namespace {

// Relative to the sum of |terms|: float rounding of sums of at most a few hundred terms.
template <class T>
constexpr double kKernelTol = sizeof(T) == sizeof(float) ? 1e-6 : 1e-14;

std::vector<DirectIsa> isas() {
  std::vector<DirectIsa> v{DirectIsa::Avx2};
  if (detected_direct_isa() == DirectIsa::Avx512) v.push_back(DirectIsa::Avx512);
  return v;
}

template <class T>
std::vector<T> random_values(int64_t n, Rng& rng) {
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(rng.normal());
  return v;
}

struct Geometry {
  int64_t R, S, taps, len;
};

template <class T>
void check_correlate(DirectIsa isa, const Geometry& g, bool transposed, bool accumulate, Rng& rng) {
  std::vector<int64_t> off(g.taps);
  for (int64_t t = 0; t < g.taps; ++t) off[t] = rng.below(40);
  const int64_t in_stride = g.len + 40;
  const std::vector<T> in = random_values<T>(g.S * in_stride, rng);
  const std::vector<T> w = random_values<T>(g.R * g.S * g.taps, rng);
  const std::vector<T> start = random_values<T>(g.R * g.len, rng);
  std::vector<T> packed;
  pack_direct_weight(isa, w.data(), g.R, g.S, g.taps, transposed, packed);
  std::vector<T> out = start;
  correlate(isa, in.data(), in_stride, g.S, packed, g.R, off.data(), g.taps, out.data(), g.len,
            g.len, accumulate);
  double worst = 0;
  for (int64_t r = 0; r < g.R; ++r) {
    for (int64_t p = 0; p < g.len; ++p) {
      double want = accumulate ? static_cast<double>(start[r * g.len + p]) : 0.0;
      double scale = std::abs(want);
      for (int64_t s = 0; s < g.S; ++s) {
        for (int64_t t = 0; t < g.taps; ++t) {
          const double wv =
              transposed ? w[(s * g.R + r) * g.taps + t] : w[(r * g.S + s) * g.taps + t];
          const double term = wv * static_cast<double>(in[s * in_stride + p + off[t]]);
          want += term;
          scale += std::abs(term);
        }
      }
      worst = std::max(worst, std::abs(static_cast<double>(out[r * g.len + p]) - want) / scale);
    }
  }
  CHECK(worst < kKernelTol<T>);
}

// Two images (a run that does not start at the row's beginning, then a whole row) into the same
// lane accumulators, then one flush into double accumulators that start at 0.5; and the same two
// calls with their lanes added in double at once.
template <class T>
void check_correlate_weight(DirectIsa isa, const Geometry& g, Rng& rng) {
  std::vector<int64_t> off(g.taps);
  for (int64_t t = 0; t < g.taps; ++t) off[t] = rng.below(40);
  const int64_t in_stride = g.len + 40;
  const int64_t entries = g.R * g.S * g.taps;
  const int64_t L = weight_lanes<T>(isa);
  struct Image {
    std::vector<T> a, in;
    int64_t p0, p1;
  };
  const Image images[] = {
      {random_values<T>(g.R * g.len, rng), random_values<T>(g.S * in_stride, rng), 16, g.len},
      {random_values<T>(g.R * g.len, rng), random_values<T>(g.S * in_stride, rng), 0, g.len}};
  std::vector<T> lanes(entries * L, T(0));
  std::vector<double> direct(entries, 0.5);  // the same sums, each call's lanes added at once
  for (const Image& im : images) {
    correlate_weight(isa, im.a.data(), g.len, g.R, im.in.data(), in_stride, g.S, off.data(), g.taps,
                     im.p0, im.p1, lanes.data(), nullptr);
    correlate_weight(isa, im.a.data(), g.len, g.R, im.in.data(), in_stride, g.S, off.data(), g.taps,
                     im.p0, im.p1, static_cast<T*>(nullptr), direct.data());
  }
  std::vector<double> acc(entries, 0.5);
  flush_weight_lanes(lanes.data(), entries, L, acc.data());
  CHECK(std::all_of(lanes.begin(), lanes.end(), [](T v) { return v == T(0); }));
  double worst = 0;
  for (int64_t r = 0; r < g.R; ++r) {
    for (int64_t s = 0; s < g.S; ++s) {
      for (int64_t t = 0; t < g.taps; ++t) {
        double want = 0.5, scale = 0.5;
        for (const Image& im : images) {
          for (int64_t p = im.p0; p < im.p1; ++p) {
            const double term =
                static_cast<double>(im.a[r * g.len + p]) * im.in[s * in_stride + p + off[t]];
            want += term;
            scale += std::abs(term);
          }
        }
        const int64_t e = (r * g.S + s) * g.taps + t;
        worst = std::max(worst, std::abs(acc[e] - want) / scale);
        worst = std::max(worst, std::abs(direct[e] - want) / scale);
      }
    }
  }
  CHECK(worst < kKernelTol<T>);
}

const Geometry kGeometries[] = {{1, 2, 9, 48}, {3, 1, 1, 96},  {4, 3, 2, 48},  {5, 2, 4, 144},
                                {8, 2, 9, 96}, {9, 1, 11, 48}, {17, 3, 3, 96}, {16, 16, 9, 240}};

}  // namespace

TEST_CASE_TEMPLATE("direct correlate against plain loops", T, float, double) {
  Rng rng(3);
  for (const DirectIsa isa : isas()) {
    for (const Geometry& g : kGeometries) {
      CAPTURE(static_cast<int>(isa));
      CAPTURE(g.R);
      CAPTURE(g.taps);
      for (const bool transposed : {false, true})
        for (const bool accumulate : {false, true})
          check_correlate<T>(isa, g, transposed, accumulate, rng);
    }
  }
}

TEST_CASE_TEMPLATE("direct weight correlation against plain loops", T, float, double) {
  Rng rng(4);
  for (const DirectIsa isa : isas()) {
    for (const Geometry& g : kGeometries) {
      CAPTURE(static_cast<int>(isa));
      CAPTURE(g.R);
      CAPTURE(g.taps);
      check_correlate_weight<T>(isa, g, rng);
    }
  }
}

namespace {

// Round trips through the flat layout of window w on a 5 x 7 input: padding then unpadding gives
// the input back, framing keeps the zeros around, and writing only the rows into a buffer that
// holds the layout gives what a full write into a buffer of garbage gives.
void check_flat_round_trips(const Window2d& w) {
  const FlatConv f(w, 5, 7);
  Rng rng(9);
  const std::vector<double> x = random_values<double>(2 * 5 * 7, rng);
  std::vector<double> padded(2 * f.in_len), back(2 * 5 * 7, 0.0);
  pad_input(f, x.data(), 2, padded.data());
  add_unpadded(f, padded.data(), f.in_len, 2, back.data());
  CHECK(back == x);
  double total = 0;
  for (double v : padded) total += v;
  double want = 0;
  for (double v : x) want += v;
  CHECK(std::abs(total - want) < 1e-12);
  const std::vector<double> y = random_values<double>(2 * 5 * 7, rng);
  std::vector<double> fresh(2 * f.in_len, std::numeric_limits<double>::quiet_NaN());
  pad_input(f, y.data(), 2, fresh.data());
  pad_input(f, y.data(), 2, padded.data(), true);
  CHECK(padded == fresh);
  const std::vector<double> dy = random_values<double>(2 * f.OH * f.OW, rng);
  const std::vector<double> dy2 = random_values<double>(2 * f.OH * f.OW, rng);
  std::vector<double> framed(2 * f.z_len, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> framed2(2 * f.z_len, std::numeric_limits<double>::quiet_NaN());
  frame_output(f, dy.data(), 2, framed.data());
  frame_output(f, dy2.data(), 2, framed.data(), true);
  frame_output(f, dy2.data(), 2, framed2.data());
  CHECK(framed == framed2);
  double framed_total = 0, dy2_total = 0;
  for (double v : framed) framed_total += v;
  for (double v : dy2) dy2_total += v;
  CHECK(std::abs(framed_total - dy2_total) < 1e-12);
}

}  // namespace

TEST_CASE("flat layout of a padded, dilated window") {
  // 5 × 7 input, 3 × 2 kernel, dilation (2, 1), padding t1 l2 b0 r1: padded 6 × 10.
  Window2d w;
  w.kh = 3, w.kw = 2, w.dh = 2, w.dw = 1, w.pt = 1, w.pl = 2, w.pb = 0, w.pr = 1;
  const FlatConv f(w, 5, 7);
  CHECK(f.Hp == 6);
  CHECK(f.Wp == 10);
  CHECK(f.OH == w.out_h(5));
  CHECK(f.OW == w.out_w(7));
  CHECK(f.off == std::vector<int64_t>{0, 1, 20, 21, 40, 41});
  CHECK(f.max_off == 41);
  CHECK(f.out_len % kDirectRound == 0);
  CHECK(f.out_len >= f.OH * f.Wp);
  CHECK(f.front % kDirectAlign == 0);
  CHECK(f.front >= f.max_off);
  check_flat_round_trips(w);
}

TEST_CASE("flat layout without column padding: rows padded as one block per plane") {
  // No padding left or right: a plane's rows are contiguous in the layout (copied as one).
  Window2d w;
  w.kh = 3, w.kw = 3, w.pt = 1, w.pb = 2;
  const FlatConv f(w, 5, 7);
  CHECK(f.Wp == 7);
  CHECK(f.Hp == 8);
  check_flat_round_trips(w);
}
