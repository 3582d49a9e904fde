#include "plot/scale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hess::plot {

namespace {

constexpr double kStepSlack = 1e-9;  // relative: a value within this of a tick counts as on it
constexpr double kExpBelow =
    1e-3;  // steps below this, or values at or above kExpAbove, in e-notation
constexpr double kExpAbove = 1e5;
constexpr int kFewestTicks = 3;  // always reachable: -s, 0, s around zero, two ticks otherwise

double transform(ScaleKind kind, double v) {
  return kind == ScaleKind::Log ? std::log10(v) : v;
}

std::string trim_exponent(const std::string& s) {
  // "1.5e-05" -> "1.5e-5", "2e+06" -> "2e6"
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  std::string sign;
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
    if (exp[0] == '-') sign = "-";
    exp = exp.substr(1);
  }
  while (exp.size() > 1 && exp[0] == '0') exp = exp.substr(1);
  return mant + "e" + sign + exp;
}

}  // namespace

Scale::Scale(ScaleKind kind, double lo, double hi, double p0, double p1)
    : kind_(kind), lo_(lo), hi_(hi), p0_(p0), p1_(p1) {}

double Scale::to_pixel(double v) const {
  const double a = transform(kind_, lo_), b = transform(kind_, hi_);
  const double t = b == a ? 0.5 : (transform(kind_, v) - a) / (b - a);
  return p0_ + t * (p1_ - p0_);
}

double nice_step(double lo, double hi, int max_ticks) {
  const double range = hi - lo;
  max_ticks = std::max(max_ticks, kFewestTicks);
  double step = std::pow(10.0, std::floor(std::log10(range / max_ticks)));
  static constexpr double kMultiples[] = {1, 2, 5, 10};
  for (;;) {
    for (double m : kMultiples) {
      const double s = step * m;
      const double first = std::floor(lo / s + kStepSlack), last = std::ceil(hi / s - kStepSlack);
      if (last - first + 1 <= max_ticks) return s;
    }
    step *= 10;
  }
}

std::string tick_label(double value, double step) {
  char buf[64];
  const double mag = std::max(std::fabs(value), std::fabs(step));
  if (value == 0) return "0";
  if (step < kExpBelow || mag >= kExpAbove) {
    // enough significant digits to tell neighbouring ticks apart
    const int digits =
        std::max(0, static_cast<int>(std::floor(std::log10(std::fabs(value)) + kStepSlack)) -
                        static_cast<int>(std::floor(std::log10(step) + kStepSlack)));
    std::snprintf(buf, sizeof buf, "%.*e", std::min(digits, 12), value);
    std::string s = buf;
    // drop trailing zeros of the mantissa
    const auto e = s.find('e');
    std::string mant = s.substr(0, e);
    if (mant.find('.') != std::string::npos) {
      while (mant.back() == '0') mant.pop_back();
      if (mant.back() == '.') mant.pop_back();
    }
    return trim_exponent(mant + s.substr(e));
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + kStepSlack)));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Ticks linear_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(lo, hi, max_ticks);
  const double first = std::floor(lo / step + kStepSlack), last = std::ceil(hi / step - kStepSlack);
  Ticks t;
  t.lo = first * step;
  t.hi = last * step;
  for (double k = first; k <= last + 0.5; k += 1) {
    const double v = k * step;
    t.ticks.push_back({v, tick_label(v, step)});
  }
  return t;
}

Ticks log_ticks(double lo, double hi, int max_ticks) {
  double a = std::floor(std::log10(lo) + kStepSlack), b = std::ceil(std::log10(hi) - kStepSlack);
  if (b <= a) b = a + 1;
  max_ticks = std::max(max_ticks, 2);
  const int every = static_cast<int>(std::ceil((b - a + 1) / max_ticks));
  a = std::floor(a / every) * every;
  b = std::ceil(b / every) * every;
  Ticks t;
  t.lo = std::pow(10.0, a);
  t.hi = std::pow(10.0, b);
  for (double k = a; k <= b + 0.5; k += every) {
    const double v = std::pow(10.0, k);
    t.ticks.push_back({v, tick_label(v, v)});
  }
  return t;
}

Ticks make_ticks(ScaleKind kind, double lo, double hi, int max_ticks) {
  return kind == ScaleKind::Log ? log_ticks(lo, hi, max_ticks) : linear_ticks(lo, hi, max_ticks);
}

}  // namespace hess::plot
