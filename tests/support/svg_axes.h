#pragma once
// The data-to-pixel map a figure's drawn axis implies, read back from its tick marks and their
// labels (plot/render.h writes each tick as <g class="xtick|ytick|y2tick"> holding a line of class
// `tickmark` and a text of class `ticklabel`): a least-squares affine fit of pixel against value
// (log10 of the value on log axes). Every tick must lie on it within kSvgPixel.

#include <string>
#include <vector>

#include "support/svg_doc.h"

namespace hess::test {

constexpr double kSvgPixel = 0.011;  // coordinates are written with two decimals

struct AxisMap {
  double a = 0, b = 0;  // pixel = a + b * t(value)
  bool log = false;
  std::vector<double> values;  // the tick labels read as numbers
  double pixel(double v) const;
  double value(double p) const;
};

AxisMap axis_map(const SvgDoc& doc, const std::string& tick_class, bool log);

// Every <text>'s box (plot/text_box.h's estimate from its position, size, anchor and rotation)
// lies inside the width x height figure and meets no other text's box.
void check_text_layout(const SvgDoc& doc, double width, double height);

}  // namespace hess::test
