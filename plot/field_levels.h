#pragma once
// The contour levels of a field: round numbers strictly inside its value range (1, 2, 5 times a
// power of ten on a log scale), in the field's transformed units (log10 of the values when log).

#include <string>
#include <vector>

#include "plot/figure.h"
#include "plot/layout.h"

namespace hess::plot {

struct Level {
  double at = 0;      // transformed units
  std::string label;  // the level in data units
};

std::vector<Level> field_levels(const Field& f, const ValueRange& r);
// The field's grid in transformed units (log10; non-positive values NaN).
Grid transformed_grid(const Field& f);

}  // namespace hess::plot
