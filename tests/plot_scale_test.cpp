// Tests of plot/scale.h: ticks are round numbers (1, 2 or 5 times a power of ten), evenly spaced,
// covering the data range, at most as many as asked; their labels read back to their values; log
// ticks are powers of ten; the pixel map is affine in the value (linear) or its log10 (log).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "engine/random.h"
#include "plot/scale.h"

using namespace hess::plot;

namespace {

constexpr double kRel = 1e-9;    // relative slack of floating-point tick arithmetic
constexpr int kFewestTicks = 3;  // a range around zero needs -s, 0, s

// Whether step is 1, 2 or 5 times a power of ten.
bool round_step(double step) {
  const double e = std::floor(std::log10(step) + kRel);
  const double m = step / std::pow(10.0, e);
  return std::fabs(m - 1) < 1e-6 || std::fabs(m - 2) < 1e-6 || std::fabs(m - 5) < 1e-6;
}

void check_linear(double lo, double hi, int max_ticks) {
  CAPTURE(lo);
  CAPTURE(hi);
  CAPTURE(max_ticks);
  const Ticks t = linear_ticks(lo, hi, max_ticks);
  REQUIRE(t.ticks.size() >= 2);
  CHECK(static_cast<int>(t.ticks.size()) <= std::max(max_ticks, kFewestTicks));
  const double step = t.ticks[1].value - t.ticks[0].value;
  CHECK(round_step(step));
  CHECK(t.ticks.front().value <= lo + kRel * std::fabs(step));
  CHECK(t.ticks.back().value >= hi - kRel * std::fabs(step));
  CHECK(t.lo == t.ticks.front().value);
  CHECK(t.hi == t.ticks.back().value);
  for (size_t k = 0; k < t.ticks.size(); ++k) {
    const Tick& tk = t.ticks[k];
    CAPTURE(tk.label);
    // evenly spaced multiples of the step
    CHECK(std::fabs(tk.value - (t.ticks[0].value + static_cast<double>(k) * step)) <= 1e-6 * step);
    CHECK(std::fabs(tk.value / step - std::round(tk.value / step)) < 1e-6);
    // the label reads back to the value
    CHECK(std::fabs(std::strtod(tk.label.c_str(), nullptr) - tk.value) <= step * 1e-2);
  }
}

}  // namespace

TEST_CASE("linear ticks: round, even, covering, within the count, labels read back") {
  check_linear(0, 1, 6);
  check_linear(-3.7, 12.2, 8);
  check_linear(0.000123, 0.000456, 5);
  check_linear(-1e7, 3e7, 6);
  check_linear(99.5, 100.5, 4);
  check_linear(-2, -1.999, 5);
  hess::Rng rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const double scale = std::pow(10.0, rng.uniform() * 16 - 8);
    const double a = (rng.uniform() * 2 - 1) * scale, w = rng.uniform() * scale + 1e-3 * scale;
    check_linear(a, a + w, 2 + static_cast<int>(rng.uniform() * 10));
  }
}

TEST_CASE("a zero-width range gets ticks around it") {
  const Ticks t = linear_ticks(3, 3, 5);
  CHECK(t.lo < 3);
  CHECK(t.hi > 3);
}

TEST_CASE("log ticks: powers of ten covering the range") {
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{1e-6, 3.2}, {0.5, 7}, {2e3, 9e9}}) {
    const Ticks t = log_ticks(lo, hi, 6);
    CHECK(t.ticks.front().value <= lo);
    CHECK(t.ticks.back().value >= hi);
    CHECK(t.ticks.size() <= 7);
    for (const Tick& k : t.ticks) {
      CHECK(std::fabs(std::log10(k.value) - std::round(std::log10(k.value))) < 1e-12);
      CHECK(std::fabs(std::strtod(k.label.c_str(), nullptr) / k.value - 1) < 1e-12);
    }
  }
}

TEST_CASE("labels: decimals as the step needs, e-notation for tiny and huge values") {
  CHECK(tick_label(0.25, 0.05) == "0.25");
  CHECK(tick_label(2, 0.5) == "2");
  CHECK(tick_label(-0.0, 0.1) == "0");
  CHECK(tick_label(1e-5, 1e-5) == "1e-5");
  CHECK(tick_label(1.5e-4, 5e-5) == "1.5e-4");
  CHECK(tick_label(2e6, 1e6) == "2e6");
  CHECK(tick_label(100, 100) == "100");
}

TEST_CASE("the pixel map is affine in the value, or in its log") {
  const Scale lin(ScaleKind::Linear, -1, 3, 100, 500);
  CHECK(lin.to_pixel(-1) == doctest::Approx(100));
  CHECK(lin.to_pixel(3) == doctest::Approx(500));
  CHECK(lin.to_pixel(0) == doctest::Approx(200));
  const Scale lg(ScaleKind::Log, 1e-3, 10, 400, 0);  // a y axis: larger values higher up
  CHECK(lg.to_pixel(1e-3) == doctest::Approx(400));
  CHECK(lg.to_pixel(10) == doctest::Approx(0));
  CHECK(lg.to_pixel(1) == doctest::Approx(100));
}
