// A 2-D field: filled contour bands or a heat map, contour lines with their labels, the colour bar.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/number_format.h"
#include "plot/colors.h"
#include "plot/draw.h"
#include "plot/field_levels.h"
#include "plot/png.h"

namespace hess::plot {

namespace {

constexpr int kColorbarSteps = 64;  // rectangles of a continuous colour bar
constexpr double kSeam = 0.5;       // stroke hiding hairline gaps between neighbouring bands
const char* const kContourInk = "#202020";

// Colour of a transformed value.
Rgb color_at(const ValueRange& r, double v) {
  return viridis((v - r.lo) / (r.hi - r.lo));
}

std::string path_of(const Canvas& c, const std::vector<Polyline>& polys, bool closed) {
  PathData d;
  for (const Polyline& p : polys) {
    for (size_t k = 0; k < p.size(); ++k)
      d.to(k == 0 ? 'M' : 'L', c.frame.x.to_pixel(p[k].x), c.frame.y.to_pixel(p[k].y));
    if (closed) d.close();
  }
  return d.str();
}

// Band k spans [bounds[k], bounds[k+1]).
std::vector<double> band_bounds(const std::vector<Level>& levels) {
  std::vector<double> b = {-std::numeric_limits<double>::infinity()};
  for (const Level& l : levels) b.push_back(l.at);
  b.push_back(std::numeric_limits<double>::infinity());
  return b;
}

Rgb band_color(const ValueRange& r, double lo, double hi) {
  return color_at(r, (std::max(lo, r.lo) + std::min(hi, r.hi)) / 2);
}

void heatmap(Canvas& c, const Grid& g, const ValueRange& r) {
  const int nx = static_cast<int>(g.xs.size()), ny = static_cast<int>(g.ys.size());
  std::vector<Rgb> px(static_cast<size_t>(nx) * ny);
  for (int row = 0; row < ny; ++row) {
    const size_t j = static_cast<size_t>(ny - 1 - row);  // the top row is the largest y
    for (int i = 0; i < nx; ++i) {
      const double v = g.at(static_cast<size_t>(i), j);
      px[static_cast<size_t>(row) * nx + i] = std::isfinite(v) ? color_at(r, v) : Rgb{1, 1, 1};
    }
  }
  const Box& p = c.frame.plot;
  c.svg.element("image", {{"class", "heatmap"},
                          {"x", num(p.x0)},
                          {"y", num(p.y0)},
                          {"width", num(p.x1 - p.x0)},
                          {"height", num(p.y1 - p.y0)},
                          {"preserveAspectRatio", "none"},
                          {"style", "image-rendering:pixelated"},
                          {"href", "data:image/png;base64," + base64(png_bytes(px, nx, ny))}});
}

}  // namespace

void draw_field(Canvas& c) {
  const Field& f = *c.fig.field;
  const ValueRange r = field_range(f);
  if (r.empty) return;
  const Grid g = transformed_grid(f);
  if (f.heatmap) {
    heatmap(c, g, r);
    return;
  }
  const std::vector<double> b = band_bounds(field_levels(f, r));
  for (size_t k = 0; k + 1 < b.size(); ++k) {
    const std::string d = path_of(c, band_polygons(g, b[k], b[k + 1]), true);
    if (d.empty()) continue;
    const std::string col = hex(band_color(r, b[k], b[k + 1]));
    c.svg.element("path", {{"class", "band"},
                           {"d", d},
                           {"fill", col},
                           {"stroke", col},
                           {"stroke-width", num(kSeam)}});
  }
}

void draw_field_lines(Canvas& c) {
  const Field& f = *c.fig.field;
  const ValueRange r = field_range(f);
  if (r.empty || !f.lines) return;
  const Grid g = transformed_grid(f);
  for (const Level& l : field_levels(f, r)) {
    const std::vector<Polyline> lines = contour_lines(g, l.at);
    if (lines.empty()) continue;
    const double level = f.log ? std::pow(10.0, l.at) : l.at;
    c.svg.element("path", {{"class", "contour"},
                           {"data-level", shortest(level)},
                           {"d", path_of(c, lines, false)},
                           {"fill", "none"},
                           {"stroke", kContourInk},
                           {"stroke-opacity", "0.7"},
                           {"stroke-width", "0.9"}});
    // a label on the longest line, at its middle or a quarter along, where it meets no other text
    const Polyline& longest =
        *std::max_element(lines.begin(), lines.end(),
                          [](const Polyline& a, const Polyline& b) { return a.size() < b.size(); });
    for (double share : {0.5, 0.25, 0.75, 0.125, 0.875}) {
      const Point& at =
          longest[static_cast<size_t>(share * static_cast<double>(longest.size() - 1))];
      const double x = c.frame.x.to_pixel(at.x);
      const double baseline = c.frame.y.to_pixel(at.y) + 0.35 * kContourLabelSize;
      const Box box = text_box(x, baseline, l.label, kContourLabelSize, Anchor::Middle);
      if (!inside(box, c.frame.plot) || !c.placer.is_free(box)) continue;
      put_text(c, "contourlabel", x, baseline, l.label, kContourLabelSize, Anchor::Middle, false,
               {{"fill", kContourInk},
                {"stroke", "#ffffff"},
                {"stroke-width", "3"},
                {"paint-order", "stroke"}});
      break;
    }
  }
}

void draw_colorbar(Canvas& c) {
  const Field& f = *c.fig.field;
  const ValueRange r = field_range(f);
  if (r.empty) return;
  const Box& cb = c.frame.colorbar;
  const double h = cb.y1 - cb.y0;
  auto pixel = [&](double v) { return cb.y1 - (v - r.lo) / (r.hi - r.lo) * h; };
  c.svg.open("g", {{"class", "colorbar"}});
  auto rect = [&](double lo, double hi, const Rgb& col) {
    const double y0 = pixel(std::min(hi, r.hi)), y1 = pixel(std::max(lo, r.lo));
    if (!(y1 > y0)) return;
    c.svg.element("rect", {{"x", num(cb.x0)},
                           {"y", num(y0)},
                           {"width", num(cb.x1 - cb.x0)},
                           {"height", num(y1 - y0)},
                           {"fill", hex(col)}});
  };
  if (f.heatmap) {
    for (int k = 0; k < kColorbarSteps; ++k) {
      const double lo = r.lo + (r.hi - r.lo) * k / kColorbarSteps;
      const double hi = r.lo + (r.hi - r.lo) * (k + 1) / kColorbarSteps;
      rect(lo, hi, color_at(r, (lo + hi) / 2));
    }
  } else {
    const std::vector<double> b = band_bounds(field_levels(f, r));
    for (size_t k = 0; k + 1 < b.size(); ++k) rect(b[k], b[k + 1], band_color(r, b[k], b[k + 1]));
  }
  c.svg.element("rect", {{"x", num(cb.x0)},
                         {"y", num(cb.y0)},
                         {"width", num(cb.x1 - cb.x0)},
                         {"height", num(h)},
                         {"fill", "none"},
                         {"stroke", "#333333"}});
  for (const Tick& t : c.frame.ct.ticks) {
    const double py = c.frame.color.to_pixel(t.value);
    c.svg.open("g", {{"class", "ctick"}});
    c.svg.element("line", {{"x1", num(cb.x1)},
                           {"y1", num(py)},
                           {"x2", num(cb.x1 + kTickLength)},
                           {"y2", num(py)},
                           {"stroke", "#333333"}});
    put_text(c, "ticklabel", cb.x1 + kTickLength + 3, py + 0.35 * kTickSize, t.label, kTickSize,
             Anchor::Start);
    c.svg.close();
  }
  if (!f.label.empty())
    put_text(c, "label", c.frame.clabel_x, (cb.y0 + cb.y1) / 2, f.label, kLabelSize, Anchor::Middle,
             true);
  c.svg.close();
}

}  // namespace hess::plot
