#pragma once
// A tiny PNG encoder (8-bit RGB, no interlace, deflate through zlib at a fixed level) for the heat
// map embedded in an SVG as a data: URI. Same pixels, same bytes.

#include <string>
#include <vector>

#include "plot/colors.h"

namespace hess::plot {

// Pixels row-major, the top row first.
std::string png_bytes(const std::vector<Rgb>& pixels, int width, int height);
std::string base64(const std::string& bytes);

}  // namespace hess::plot
