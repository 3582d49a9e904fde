#include "plot/colors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace hess::plot {

namespace {

// matplotlib's _viridis_data at indices 0, 32, 64, ..., 224, 255.
constexpr std::array<Rgb, 9> kViridis = {{{0.267004, 0.004874, 0.329415},
                                          {0.282623, 0.140926, 0.457517},
                                          {0.229739, 0.322361, 0.545706},
                                          {0.172719, 0.448791, 0.557885},
                                          {0.127568, 0.566949, 0.550556},
                                          {0.157851, 0.683765, 0.501686},
                                          {0.369214, 0.788888, 0.382914},
                                          {0.678489, 0.863742, 0.189503},
                                          {0.993248, 0.906157, 0.143936}}};

// Okabe and Ito's colour-blind-safe set, then two greys.
constexpr std::array<const char*, 10> kPalette = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                                  "#e69f00", "#56b4e9", "#000000", "#f0e442",
                                                  "#666666", "#999999"};

double linear_channel(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

Rgb viridis(double t) {
  if (!(t >= 0)) t = 0;  // NaN too
  t = std::min(t, 1.0);
  const double pos = t * (kViridis.size() - 1);
  const size_t i = std::min(static_cast<size_t>(pos), kViridis.size() - 2);
  const double f = pos - static_cast<double>(i);
  const Rgb& a = kViridis[i];
  const Rgb& b = kViridis[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

std::string hex(const Rgb& c) {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return buf;
}

std::string series_color(int i) {
  const int n = static_cast<int>(kPalette.size());
  return kPalette[((i % n) + n) % n];
}

double luminance(const Rgb& c) {
  return 0.2126 * linear_channel(c.r) + 0.7152 * linear_channel(c.g) + 0.0722 * linear_channel(c.b);
}

}  // namespace hess::plot
