#pragma once
// A Figure (plot/figure.h) as an SVG document: deterministic (the same figure gives the same
// bytes), self-contained (no scripts, no external references).

#include <string>

#include "plot/figure.h"

namespace hess::plot {

std::string render_svg(const Figure& fig);

}  // namespace hess::plot
