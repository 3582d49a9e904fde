#pragma once
// Where everything of a figure goes: margins from the texts they hold, the plot box, the scales
// and ticks of every axis (tick counts chosen so labels keep apart), the legend rows and the
// colour bar.

#include <string>
#include <vector>

#include "plot/figure.h"
#include "plot/scale.h"
#include "plot/text_box.h"

namespace hess::plot {

struct LegendEntry {
  const Series* series = nullptr;
  double x = 0, baseline = 0;  // where the swatch starts
};

struct Frame {
  Box plot;  // the plot area in pixels
  Scale x, y, y2;
  Ticks xt, yt, y2t;
  bool has_y2 = false;
  bool categories_rotated = false;  // category labels read upwards
  // the field's colour scale (over transformed values when log) and the colour bar's box
  bool has_field = false;
  Scale color;
  Ticks ct;
  Box colorbar;
  double title_baseline = 0;
  std::vector<double> note_baselines;
  std::vector<LegendEntry> legend;
  double xlabel_baseline = 0, ylabel_x = 0, y2label_x = 0, clabel_x = 0;
};

// The value range a field's colours span: [min, max] of its finite values (of the positive ones
// when log).
struct ValueRange {
  double lo = 0, hi = 1;
  bool empty = true;
};
ValueRange field_range(const Field& f);

Frame layout(const Figure& fig);

// Legend swatch width and the gap after an entry.
constexpr double kSwatch = 18;
constexpr double kLegendGap = 14;
constexpr double kTickLength = 5;
constexpr double kRugLength = 8;

}  // namespace hess::plot
