#pragma once
// Colours: viridis (perceptually uniform, lightness rising from dark purple to yellow; van der Walt
// and Smith's matplotlib map, interpolated between nine of its 256 entries) for values, and a
// categorical palette for series.

#include <string>

namespace hess::plot {

struct Rgb {
  double r = 0, g = 0, b = 0;  // in [0, 1]
};

// t in [0, 1] (clamped).
Rgb viridis(double t);
// "#rrggbb".
std::string hex(const Rgb& c);
// Series colour i (cycles through ten colours distinguishable by colour-blind readers).
std::string series_color(int i);
// Relative luminance (WCAG) of a colour.
double luminance(const Rgb& c);

}  // namespace hess::plot
