#include "plot/field_levels.h"

#include <cmath>
#include <limits>

namespace hess::plot {

namespace {

constexpr double kLogMantissas[] = {1, 2, 5};
constexpr int kLogDensity = 2;  // 1-2-5 levels only while at most this many times the target

}  // namespace

std::vector<Level> field_levels(const Field& f, const ValueRange& r) {
  std::vector<Level> out;
  if (r.empty) return out;
  if (!f.log) {
    const Ticks t = linear_ticks(r.lo, r.hi, f.levels + 1);
    for (const Tick& k : t.ticks)
      if (k.value > r.lo && k.value < r.hi) out.push_back({k.value, k.label});
    return out;
  }
  for (int e = static_cast<int>(std::floor(r.lo)); e <= static_cast<int>(std::ceil(r.hi)); ++e) {
    for (double m : kLogMantissas) {
      const double v = m * std::pow(10.0, e);
      const double at = std::log10(v);
      if (at > r.lo && at < r.hi) out.push_back({at, tick_label(v, std::pow(10.0, e))});
    }
  }
  if (static_cast<int>(out.size()) > kLogDensity * f.levels) {
    std::vector<Level> decades;
    for (const Level& l : out)
      if (std::fabs(l.at - std::round(l.at)) < 1e-9) decades.push_back(l);
    out = decades;
  }
  return out;
}

Grid transformed_grid(const Field& f) {
  Grid g = f.grid;
  if (f.log)
    for (double& z : g.z) z = z > 0 ? std::log10(z) : std::numeric_limits<double>::quiet_NaN();
  return g;
}

}  // namespace hess::plot
