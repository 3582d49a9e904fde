// Tests of analyzers/quantizer: HAWQ's symmetric uniform quantizer equals its formula
// s_c = max|W_c|/(2^(b−1) − 1), q = clamp(round(W/s_c), −2^(b−1), 2^(b−1) − 1), Ŵ = s_c q, per
// channel (slices along dim 0) and per tensor, on hand-worked values and on random blocks; an
// all-zero channel quantizes to zero; 1 bit is sign·mean|W|; widths outside 1..32 are refused.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "analyzers/quantizer.h"
#include "engine/random.h"

using namespace hess;

namespace {

// The formula, written out independently of the quantizer's code: round half to even by hand.
double round_half_even(double x) {
  const double f = std::floor(x);
  const double diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1.0;
  return std::fmod(f, 2.0) == 0.0 ? f : f + 1.0;
}

std::vector<double> formula(const std::vector<double>& w, int64_t channels, int bits) {
  const int64_t per = static_cast<int64_t>(w.size()) / channels;
  const double qmax = std::pow(2.0, bits - 1) - 1.0, qmin = -std::pow(2.0, bits - 1);
  std::vector<double> out(w.size());
  for (int64_t c = 0; c < channels; ++c) {
    double m = 0.0;
    for (int64_t i = 0; i < per; ++i) m = std::max(m, std::abs(w[c * per + i]));
    const double s = m / qmax;
    for (int64_t i = 0; i < per; ++i) {
      const double x = w[c * per + i];
      out[c * per + i] =
          s == 0.0 ? 0.0 : s * std::min(std::max(round_half_even(x / s), qmin), qmax);
    }
  }
  return out;
}

std::vector<double> random_block(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> w(n);
  for (double& x : w) x = rng.normal();
  return w;
}

}  // namespace

TEST_CASE("hand-worked values: 2 and 3 bits, rounding half to even") {
  const std::vector<double> w = {0.5, -1.0, 0.25, 0.75};
  // 2 bits: qmax = 1, s = 1; W/s = 0.5 -> 0 (half to even), -1, 0.25 -> 0, 0.75 -> 1.
  CHECK(quantize(w, {4}, 2, Granularity::Tensor) == std::vector<double>{0.0, -1.0, 0.0, 1.0});
  // 3 bits: qmax = 3, s = 1/3; W/s = 1.5 -> 2, -3, 0.75 -> 1, 2.25 -> 2.
  const Quantized q3 = quantize_block(w, {4}, 3, Granularity::Tensor);
  REQUIRE(q3.scales.size() == 1);
  CHECK(q3.scales[0] == doctest::Approx(1.0 / 3).epsilon(1e-15));
  const std::vector<double> want = {2.0 / 3, -1.0, 1.0 / 3, 2.0 / 3};
  for (size_t i = 0; i < w.size(); ++i)
    CHECK(q3.values[i] == doctest::Approx(want[i]).epsilon(1e-15));
  // Per channel on [2, 2]: each row its own scale; row 1 = {0.25, 0.75} at 2 bits: s = 0.75,
  // 0.25/0.75 = 1/3 -> 0, 1 -> 1.
  CHECK(quantize(w, {2, 2}, 2, Granularity::Channel) == std::vector<double>{0.0, -1.0, 0.0, 0.75});
  CHECK(channel_count({2, 2}, Granularity::Channel) == 2);
  CHECK(channel_count({2, 2}, Granularity::Tensor) == 1);
}

TEST_CASE("random blocks equal the formula exactly, per channel and per tensor, 2..32 bits") {
  const std::vector<Shape> shapes = {{7, 5}, {6, 3, 3, 3}, {11, 4}, {9}};
  for (size_t sidx = 0; sidx < shapes.size(); ++sidx) {
    const Shape& shape = shapes[sidx];
    const std::vector<double> w = random_block(numel(shape), 10 + sidx);
    for (int bits : {2, 3, 4, 5, 8, 16, 31, 32}) {
      for (Granularity g : {Granularity::Channel, Granularity::Tensor}) {
        CAPTURE(to_string(shape));
        CAPTURE(bits);
        CAPTURE(name_of(g));
        const Quantized q = quantize_block(w, shape, bits, g);
        const std::vector<double> ref = formula(w, channel_count(shape, g), bits);
        CHECK(q.values == ref);
        // Ŵ/s is an integer level inside [−2^(b−1), 2^(b−1) − 1] and |ΔW| ≤ s/2.
        const int64_t channels = channel_count(shape, g), per = numel(shape) / channels;
        REQUIRE(static_cast<int64_t>(q.scales.size()) == channels);
        for (int64_t c = 0; c < channels; ++c) {
          const double s = q.scales[c];
          for (int64_t i = 0; i < per; ++i) {
            const double level = q.values[c * per + i] / s;
            CHECK(std::abs(level - std::nearbyint(level)) < 1e-6);
            CHECK(std::abs(q.values[c * per + i] - w[c * per + i]) <= 0.5 * s * (1 + 1e-12));
          }
        }
      }
    }
  }
}

TEST_CASE("an all-zero channel has scale 0 and quantizes to zero; so does an all-zero tensor") {
  std::vector<double> w = {0.3, -0.2, 0.1, 0.0, 0.0, 0.0, -0.9, 0.4, 0.05};
  const Quantized q = quantize_block(w, {3, 3}, 4, Granularity::Channel);
  CHECK(q.scales[1] == 0.0);
  CHECK(q.values[3] == 0.0);
  CHECK(q.values[4] == 0.0);
  CHECK(q.values[5] == 0.0);
  CHECK(q.values == formula(w, 3, 4));
  for (double v : q.values) CHECK(std::isfinite(v));
  const std::vector<double> zeros(8, 0.0);
  for (int bits : {1, 2, 8}) {
    for (Granularity g : {Granularity::Channel, Granularity::Tensor}) {
      CHECK(quantize(zeros, {2, 4}, bits, g) == zeros);
    }
  }
}

TEST_CASE("one bit is the sign times the mean magnitude of the channel") {
  const std::vector<double> w = {0.5, -1.5, 0.0, 2.0, -0.25, -0.75};
  const Quantized q = quantize_block(w, {2, 3}, 1, Granularity::Channel);
  const double s0 = (0.5 + 1.5 + 0.0) / 3, s1 = (2.0 + 0.25 + 0.75) / 3;
  CHECK(q.scales[0] == doctest::Approx(s0).epsilon(1e-15));
  CHECK(q.scales[1] == doctest::Approx(s1).epsilon(1e-15));
  const std::vector<double> want = {s0, -s0, s0, s1, -s1, -s1};
  for (size_t i = 0; i < w.size(); ++i)
    CHECK(q.values[i] == doctest::Approx(want[i]).epsilon(1e-15));
}

TEST_CASE("widths outside 1..32 and sizes that do not fit the shape are refused") {
  const std::vector<double> w = {1.0, 2.0};
  CHECK_THROWS_WITH_AS(quantize(w, {2}, 0, Granularity::Tensor), doctest::Contains("bits"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(quantize(w, {2}, 33, Granularity::Tensor), doctest::Contains("bits"),
                       std::invalid_argument);
  CHECK_THROWS_AS(quantize(w, {3}, 4, Granularity::Tensor), std::invalid_argument);
  CHECK(squared_distance(std::vector<double>{1.0, 2.0}, std::vector<double>{0.0, 4.0}) == 5.0);
}
