#include "plot/histogram.h"

#include <algorithm>
#include <cmath>

namespace hess::plot {

Series histogram(const std::vector<double>& values, int min_bins, int max_bins) {
  Series s;
  s.mark = Mark::Histogram;
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return s;
  double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const int bins = std::clamp(static_cast<int>(std::ceil(std::sqrt(static_cast<double>(v.size())))),
                              min_bins, max_bins);
  for (int k = 0; k <= bins; ++k) s.edges.push_back(lo + (hi - lo) * k / bins);
  s.y.assign(static_cast<size_t>(bins), 0.0);
  for (double x : v)
    s.y[static_cast<size_t>(
        std::clamp(static_cast<int>((x - lo) / (hi - lo) * bins), 0, bins - 1))] += 1;
  return s;
}

}  // namespace hess::plot
