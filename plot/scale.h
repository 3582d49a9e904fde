#pragma once
// An axis' map from data values to pixels (linear or log10) and its round-number ticks:
// multiples of 1, 2 or 5 times a power of ten ("nice numbers", Heckbert 1990) on linear axes,
// powers of ten on log axes, always covering the data range (the axis is widened to the ticks).

#include <string>
#include <vector>

namespace hess::plot {

enum class ScaleKind { Linear, Log };

class Scale {
 public:
  Scale() = default;
  // Maps [lo, hi] onto [p0, p1] (p1 < p0 for a y axis). Log: lo > 0.
  Scale(ScaleKind kind, double lo, double hi, double p0, double p1);
  double to_pixel(double v) const;
  ScaleKind kind() const { return kind_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  ScaleKind kind_ = ScaleKind::Linear;
  double lo_ = 0, hi_ = 1, p0_ = 0, p1_ = 1;
};

struct Tick {
  double value = 0;
  std::string label;
};

struct Ticks {
  double lo = 0, hi = 1;  // the axis range: the data range widened to the outer ticks
  std::vector<Tick> ticks;
};

// The step among 1, 2, 5 × 10^k giving at most max(`max_ticks`, 3) ticks over [lo, hi].
double nice_step(double lo, double hi, int max_ticks);
// Ticks at multiples of nice_step covering [lo, hi] (a zero-width range is widened first).
Ticks linear_ticks(double lo, double hi, int max_ticks);
// Powers of ten covering [lo, hi] (lo > 0), every k-th decade so at most max_ticks remain.
Ticks log_ticks(double lo, double hi, int max_ticks);
Ticks make_ticks(ScaleKind kind, double lo, double hi, int max_ticks);
// A tick value as text with as many decimals as the step needs ("0.25", "1e-05" for tiny or huge
// values); reads back (strtod) to the value within a hundredth of the step.
std::string tick_label(double value, double step);

}  // namespace hess::plot
