// Every series (lines, markers, bars, error bars, histograms, rugs), reference lines, the legend.
#include <algorithm>
#include <cmath>
#include <limits>

#include "plot/colors.h"
#include "plot/draw.h"

namespace hess::plot {

namespace {

constexpr double kMarkerRadius = 3;
constexpr double kLineWidth = 1.8;
constexpr double kBarShare = 0.7;  // of the distance between neighbouring bars
constexpr double kCap = 3;         // half width of an error bar's caps
constexpr double kRefLabelStep = 13;
constexpr int kRefLabelRows = 6;
const char* const kDash = "6 4";

// The pixel of a y value on the series' axis: log axes raise values to their floor and leave out
// non-positive ones (NaN), everything is held inside the axis range.
double y_pixel(const Canvas& c, const Series& s, double v) {
  const Axis& a = s.right ? c.fig.y2 : c.fig.y;
  const Scale& sc = s.right ? c.frame.y2 : c.frame.y;
  if (!std::isfinite(v)) return std::numeric_limits<double>::quiet_NaN();
  if (a.kind == ScaleKind::Log) {
    if (a.floor > 0) v = std::max(v, a.floor);
    if (v <= 0) return std::numeric_limits<double>::quiet_NaN();
  }
  v = std::clamp(v, std::min(sc.lo(), sc.hi()), std::max(sc.lo(), sc.hi()));
  return sc.to_pixel(v);
}

double x_pixel(const Canvas& c, double v) {
  const Scale& sc = c.frame.x;
  if (!std::isfinite(v) || (sc.kind() == ScaleKind::Log && v <= 0))
    return std::numeric_limits<double>::quiet_NaN();
  return sc.to_pixel(std::clamp(v, sc.lo(), sc.hi()));
}

Attrs stroke_attrs(const Series& s) {
  Attrs a = {
      {"fill", "none"}, {"stroke", series_color(s.color)}, {"stroke-width", num(kLineWidth)}};
  if (s.dashed) a.push_back({"stroke-dasharray", kDash});
  return a;
}

void polylines(Canvas& c, const Series& s) {
  std::string pts;
  auto flush = [&] {
    if (pts.empty()) return;
    Attrs a = {{"class", "line"}, {"points", pts}};
    const Attrs st = stroke_attrs(s);
    a.insert(a.end(), st.begin(), st.end());
    c.svg.element("polyline", a);
    pts.clear();
  };
  for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
    const double px = x_pixel(c, s.x[k]), py = y_pixel(c, s, s.y[k]);
    if (std::isnan(px) || std::isnan(py)) {
      flush();
      continue;
    }
    append_point(pts, px, py);
  }
  flush();
}

void error_bar(Canvas& c, const Series& s, double px, double v, double e) {
  if (!(e > 0)) return;
  const double a = y_pixel(c, s, v - e), b = y_pixel(c, s, v + e);
  if (std::isnan(a) || std::isnan(b)) return;
  const std::string col = series_color(s.color + 6);
  PathData d;
  d.to('M', px, a)
      .to('V', b)
      .to('M', px - kCap, a)
      .to('H', px + kCap)
      .to('M', px - kCap, b)
      .to('H', px + kCap);
  c.svg.element("path", {{"class", "errorbar"}, {"d", d.str()}, {"stroke", col}, {"fill", "none"}});
}

double bar_width(const Canvas& c, const Series& s) {
  double gap = std::numeric_limits<double>::infinity();
  std::vector<double> px;
  for (double v : s.x) px.push_back(x_pixel(c, v));
  std::sort(px.begin(), px.end());
  for (size_t k = 1; k < px.size(); ++k) gap = std::min(gap, px[k] - px[k - 1]);
  if (!std::isfinite(gap) || gap <= 0) gap = (c.frame.plot.x1 - c.frame.plot.x0) / 4;
  return gap * kBarShare;
}

void bars(Canvas& c, const Series& s) {
  const double w = bar_width(c, s);
  const Scale& sc = s.right ? c.frame.y2 : c.frame.y;
  const double base = sc.kind() == ScaleKind::Log ? sc.to_pixel(sc.lo()) : y_pixel(c, s, 0);
  for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
    const double px = x_pixel(c, s.x[k]), py = y_pixel(c, s, s.y[k]);
    if (std::isnan(px) || std::isnan(py)) continue;
    c.svg.element("rect", {{"class", "bar"},
                           {"x", num(px - w / 2)},
                           {"y", num(std::min(py, base))},
                           {"width", num(w)},
                           {"height", num(std::fabs(base - py))},
                           {"fill", series_color(s.color)}});
    if (k < s.err.size()) error_bar(c, s, px, s.y[k], s.err[k]);
  }
}

void histogram(Canvas& c, const Series& s) {
  const double base = y_pixel(c, s, 0);
  PathData d;
  for (size_t k = 0; k < s.y.size() && k + 1 < s.edges.size(); ++k) {
    const double x0 = x_pixel(c, s.edges[k]), x1 = x_pixel(c, s.edges[k + 1]);
    const double py = y_pixel(c, s, s.y[k]);
    if (std::isnan(x0) || std::isnan(x1) || std::isnan(py) || py == base) continue;
    d.to('M', x0, base).to('V', py).to('H', x1).to('V', base).close();
  }
  if (d.empty()) return;
  c.svg.element("path", {{"class", "histogram"},
                         {"d", d.str()},
                         {"fill", series_color(s.color)},
                         {"fill-opacity", "0.55"},
                         {"stroke", series_color(s.color)}});
}

void markers(Canvas& c, const Series& s) {
  for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
    const double px = x_pixel(c, s.x[k]), py = y_pixel(c, s, s.y[k]);
    if (std::isnan(px) || std::isnan(py)) continue;
    if (k < s.err.size()) error_bar(c, s, px, s.y[k], s.err[k]);
    c.svg.element("circle", {{"class", "marker"},
                             {"cx", num(px)},
                             {"cy", num(py)},
                             {"r", num(kMarkerRadius)},
                             {"fill", series_color(s.color)}});
  }
}

void rug(Canvas& c, const Series& s) {
  const Box& p = c.frame.plot;
  PathData d;
  for (double v : s.x) {
    const double px = x_pixel(c, v);
    if (std::isnan(px)) continue;
    d.to('M', px, p.y1).to('V', p.y1 - kRugLength);
  }
  if (d.empty()) return;
  c.svg.element("path", {{"class", "rug"},
                         {"d", d.str()},
                         {"stroke", series_color(s.color)},
                         {"stroke-opacity", "0.6"},
                         {"fill", "none"}});
}

// A reference line's label at the first spot where it lies inside the plot and meets no other
// text; none when there is no such spot.
struct Spot {
  double x, baseline;
  Anchor anchor;
};

void place_label(Canvas& c, const std::vector<Spot>& spots, const std::string& text,
                 const std::string& col) {
  for (const Spot& s : spots) {
    const Box b = text_box(s.x, s.baseline, text, kTickSize, s.anchor);
    if (inside(b, c.frame.plot) && c.placer.is_free(b)) {
      put_text(c, "reflabel", s.x, s.baseline, text, kTickSize, s.anchor, false, {{"fill", col}});
      return;
    }
  }
}

}  // namespace

void draw_series(Canvas& c) {
  for (const Series& s : c.fig.series) {
    switch (s.mark) {
      case Mark::Line:
        polylines(c, s);
        break;
      case Mark::Markers:
        markers(c, s);
        break;
      case Mark::LineMarkers:
        polylines(c, s);
        markers(c, s);
        break;
      case Mark::Bars:
        bars(c, s);
        break;
      case Mark::Histogram:
        histogram(c, s);
        break;
      case Mark::Rug:
        rug(c, s);
        break;
    }
  }
}

void draw_refs(Canvas& c) {
  const Box& p = c.frame.plot;
  for (const RefLine& r : c.fig.refs) {
    const std::string col = series_color(r.color);
    if (r.vertical) {
      const double px = x_pixel(c, r.at);
      if (std::isnan(px)) continue;
      c.svg.element("line", {{"class", "ref"},
                             {"x1", num(px)},
                             {"y1", num(p.y0)},
                             {"x2", num(px)},
                             {"y2", num(p.y1)},
                             {"stroke", col},
                             {"stroke-dasharray", kDash}});
      if (r.label.empty()) continue;
      std::vector<Spot> spots;  // nearest first
      for (int row = 0; row < kRefLabelRows; ++row) {
        const double baseline = p.y0 + kRefLabelStep * (row + 1);
        spots.push_back({px + 3, baseline, Anchor::Start});
        spots.push_back({px - 3, baseline, Anchor::End});
      }
      place_label(c, spots, r.label, col);
    } else {
      Series probe;
      const double py = y_pixel(c, probe, r.at);
      if (std::isnan(py)) continue;
      c.svg.element("line", {{"class", "ref"},
                             {"x1", num(p.x0)},
                             {"y1", num(py)},
                             {"x2", num(p.x1)},
                             {"y2", num(py)},
                             {"stroke", col},
                             {"stroke-dasharray", kDash}});
      if (r.label.empty()) continue;
      place_label(
          c, {{p.x1 - 4, py - 4, Anchor::End}, {p.x1 - 4, py + 4 + 0.8 * kTickSize, Anchor::End}},
          r.label, col);
    }
  }
}

void draw_legend(Canvas& c) {
  for (const LegendEntry& e : c.frame.legend) {
    const Series& s = *e.series;
    const std::string col = series_color(s.color);
    const double mid = e.baseline - 0.35 * kLegendSize;
    c.svg.open("g", {{"class", "legend"}});
    if (s.mark == Mark::Bars || s.mark == Mark::Histogram) {
      c.svg.element("rect", {{"x", num(e.x + 3)},
                             {"y", num(mid - 5)},
                             {"width", num(kSwatch - 6)},
                             {"height", "10"},
                             {"fill", col}});
    } else if (s.mark == Mark::Markers) {
      c.svg.element("circle", {{"cx", num(e.x + kSwatch / 2)},
                               {"cy", num(mid)},
                               {"r", num(kMarkerRadius)},
                               {"fill", col}});
    } else {
      Attrs a = {{"x1", num(e.x)}, {"y1", num(mid)}, {"x2", num(e.x + kSwatch)}, {"y2", num(mid)}};
      const Attrs st = stroke_attrs(s);
      a.insert(a.end(), st.begin(), st.end());
      c.svg.element("line", a);
    }
    put_text(c, "legendlabel", e.x + kSwatch + 4, e.baseline, s.label, kLegendSize, Anchor::Start);
    c.svg.close();
  }
}

}  // namespace hess::plot
