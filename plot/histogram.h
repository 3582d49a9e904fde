#pragma once
// A histogram series from raw values: equal bins over [min, max] of the finite values, about
// √n of them within [min_bins, max_bins]; the largest value falls in the last bin.

#include <vector>

#include "plot/figure.h"

namespace hess::plot {

Series histogram(const std::vector<double>& values, int min_bins, int max_bins);

}  // namespace hess::plot
