// Tests of plot/render.h through the SVG it writes, parsed as XML (expat): known data points land
// at the pixels the drawn axes imply (the affine map read back from the tick marks and their
// labels, on linear and log axes, on the twin axis, for markers, lines, bars with error bars,
// histograms, rugs and reference lines); ticks cover the data; a contour of x² + 4y² drawn in the
// figure lies on its ellipse when its pixels are mapped back to data coordinates; the heat map is a
// PNG of the grid's size, top row the largest y; no two texts overlap and every text is inside the
// figure; rendering twice gives the same bytes.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "plot/colors.h"
#include "plot/render.h"
#include "plot/text_box.h"
#include "support/svg_axes.h"
#include "support/svg_doc.h"

using namespace hess::plot;
using hess::test::axis_map;
using hess::test::AxisMap;
using hess::test::SvgDoc;
using hess::test::SvgElement;

namespace {

constexpr double kPixel = hess::test::kSvgPixel;
constexpr double kOnLevel = 0.01;

bool round_value(double v) {
  if (v == 0) return true;
  const double m = std::fabs(v) / std::pow(10.0, std::floor(std::log10(std::fabs(v)) + 1e-9));
  for (double r : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 7.5, 8.0, 9.0})
    if (std::fabs(m - r) < 1e-6) return true;
  return false;
}

Figure scatter(ScaleKind ykind) {
  Figure f;
  f.title = "Known points";
  f.x.label = "x";
  f.y.label = "y";
  f.y.kind = ykind;
  Series s;
  s.label = "points";
  s.mark = Mark::LineMarkers;
  s.x = {-3.3, -1, 0.25, 2, 7.9};
  s.y = {0.012, 0.5, 3, 47, 260};
  f.series.push_back(s);
  f.refs.push_back({true, 1.5, "x = 1.5"});
  f.refs.push_back({false, 100, "y = 100"});
  f.notes = {"a note under the title"};
  return f;
}

}  // namespace

TEST_CASE("markers land where the linear and the log axes put them") {
  for (ScaleKind k : {ScaleKind::Linear, ScaleKind::Log}) {
    const Figure f = scatter(k);
    const SvgDoc doc(render_svg(f));
    const AxisMap xm = axis_map(doc, "xtick", false);
    const AxisMap ym = axis_map(doc, "ytick", k == ScaleKind::Log);
    const auto circles = doc.with_class("marker");
    REQUIRE(circles.size() == f.series[0].x.size());
    for (size_t i = 0; i < circles.size(); ++i) {
      CHECK(std::fabs(circles[i]->number("cx") - xm.pixel(f.series[0].x[i])) < kPixel);
      CHECK(std::fabs(circles[i]->number("cy") - ym.pixel(f.series[0].y[i])) < kPixel);
    }
    // the line through the same points
    const auto lines = doc.with_class("line");
    REQUIRE(lines.size() == 1);
    const auto pts = hess::test::path_points(lines[0]->attr("points"));
    REQUIRE(pts.size() == f.series[0].x.size());
    for (size_t i = 0; i < pts.size(); ++i) {
      CHECK(std::fabs(pts[i].first - xm.pixel(f.series[0].x[i])) < kPixel);
      CHECK(std::fabs(pts[i].second - ym.pixel(f.series[0].y[i])) < kPixel);
    }
    // ticks are round and cover the data range
    for (double v : xm.values) CHECK(round_value(v));
    for (double v : ym.values) CHECK(round_value(v));
    CHECK(*std::min_element(xm.values.begin(), xm.values.end()) <= -3.3);
    CHECK(*std::max_element(xm.values.begin(), xm.values.end()) >= 7.9);
    CHECK(*std::min_element(ym.values.begin(), ym.values.end()) <= 0.012);
    CHECK(*std::max_element(ym.values.begin(), ym.values.end()) >= 260);
    // reference lines at their values
    const auto refs = doc.with_class("ref");
    REQUIRE(refs.size() == 2);
    CHECK(std::fabs(refs[0]->number("x1") - xm.pixel(1.5)) < kPixel);
    CHECK(std::fabs(refs[1]->number("y1") - ym.pixel(100)) < kPixel);
    CHECK(doc.with_class("reflabel").size() == 2);
    hess::test::check_text_layout(doc, f.width, f.height);
  }
}

TEST_CASE("log axes with a floor draw small values at the floor") {
  Figure f;
  f.y.kind = ScaleKind::Log;
  f.y.floor = 1e-4;
  f.series.push_back(make_series(Mark::Markers, {0, 1, 2}, {0.0, 1e-7, 0.5}));
  const SvgDoc doc(render_svg(f));
  const AxisMap ym = axis_map(doc, "ytick", true);
  const auto c = doc.with_class("marker");
  REQUIRE(c.size() == 3);
  CHECK(std::fabs(c[0]->number("cy") - ym.pixel(1e-4)) < kPixel);
  CHECK(std::fabs(c[1]->number("cy") - ym.pixel(1e-4)) < kPixel);
  CHECK(std::fabs(c[2]->number("cy") - ym.pixel(0.5)) < kPixel);
}

TEST_CASE("twin axes: each series on its own axis") {
  Figure f;
  f.x.label = "step";
  f.y.label = "loss";
  f.y2.label = "accuracy (%)";
  f.series.push_back(make_series(Mark::Line, {0, 10, 20}, {2.3, 0.9, 0.4}, "loss"));
  Series acc = make_series(Mark::Line, {0, 10, 20}, {10, 71, 93}, "accuracy", 1);
  acc.dashed = acc.right = true;
  f.series.push_back(acc);
  const SvgDoc doc(render_svg(f));
  const AxisMap xm = axis_map(doc, "xtick", false);
  const AxisMap y1 = axis_map(doc, "ytick", false);
  const AxisMap y2 = axis_map(doc, "y2tick", false);
  const auto lines = doc.with_class("line");
  REQUIRE(lines.size() == 2);
  const auto a = hess::test::path_points(lines[0]->attr("points"));
  const auto b = hess::test::path_points(lines[1]->attr("points"));
  for (size_t i = 0; i < 3; ++i) {
    CHECK(std::fabs(a[i].second - y1.pixel(f.series[0].y[i])) < kPixel);
    CHECK(std::fabs(b[i].second - y2.pixel(f.series[1].y[i])) < kPixel);
    CHECK(std::fabs(b[i].first - xm.pixel(f.series[1].x[i])) < kPixel);
  }
  CHECK(lines[1]->attr("stroke-dasharray") != "");
  CHECK(doc.with_class("legendlabel").size() == 2);
  hess::test::check_text_layout(doc, f.width, f.height);
}

TEST_CASE("bars on a category axis with error bars; histograms; rugs") {
  Figure f;
  f.x.categories = {"fc1", "fc2", "a.rather.long.layer.name", "out"};
  f.y.label = "trace";
  Series traces = make_series(Mark::Bars, {0, 1, 2, 3}, {12, 3.5, -1, 7});
  traces.err = {1, 0.5, 0.25, 2};
  f.series.push_back(traces);
  const SvgDoc doc(render_svg(f));
  const AxisMap ym = axis_map(doc, "ytick", false);
  const auto ticks = doc.children_of_class("xtick", "line");
  const auto bars = doc.with_class("bar");
  REQUIRE(bars.size() == 4);
  const auto errs = doc.with_class("errorbar");
  REQUIRE(errs.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    const double centre = bars[i]->number("x") + bars[i]->number("width") / 2;
    CHECK(std::fabs(centre - ticks[i]->number("x1")) < kPixel);
    const double v = f.series[0].y[i], e = f.series[0].err[i];
    const double top = bars[i]->number("y"), bottom = top + bars[i]->number("height");
    CHECK(std::fabs((v >= 0 ? top : bottom) - ym.pixel(v)) < 2 * kPixel);
    CHECK(std::fabs((v >= 0 ? bottom : top) - ym.pixel(0)) < 2 * kPixel);
    const auto p = hess::test::path_points(errs[i]->attr("d"));
    CHECK(std::fabs(p[0].second - ym.pixel(v - e)) < kPixel);
    CHECK(std::fabs(p[1].second - ym.pixel(v + e)) < kPixel);
  }
  hess::test::check_text_layout(doc, f.width, f.height);

  Figure h;
  Series counts = make_series(Mark::Histogram, {}, {2, 5, 1});
  counts.edges = {0, 0.5, 1, 2};
  h.series.push_back(counts);
  h.series.push_back(make_series(Mark::Rug, {0.1, 0.7, 1.9}, {}));
  const SvgDoc hd(render_svg(h));
  const AxisMap hx = axis_map(hd, "xtick", false), hy = axis_map(hd, "ytick", false);
  const auto hist = hd.with_class("histogram");
  REQUIRE(hist.size() == 1);
  const auto bins = hess::test::path_subpaths(hist[0]->attr("d"));
  REQUIRE(bins.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(std::fabs(bins[k][0].first - hx.pixel(h.series[0].edges[k])) < kPixel);
    CHECK(std::fabs(bins[k][1].second - hy.pixel(h.series[0].y[k])) < kPixel);
    CHECK(std::fabs(bins[k][2].first - hx.pixel(h.series[0].edges[k + 1])) < kPixel);
  }
  const auto rug = hess::test::path_subpaths(hd.with_class("rug")[0]->attr("d"));
  REQUIRE(rug.size() == 3);
  for (size_t k = 0; k < 3; ++k)
    CHECK(std::fabs(rug[k][0].first - hx.pixel(h.series[1].x[k])) < kPixel);
}

TEST_CASE("a drawn contour of x^2 + 4y^2 lies on its ellipse in the axes' data coordinates") {
  Figure f;
  f.title = "f(x, y) = x² + 4y²";
  f.x.label = "x";
  f.y.label = "y";
  Field fld;
  fld.label = "f";
  for (int i = 0; i < 81; ++i) fld.grid.xs.push_back(-2 + 4.0 * i / 80);
  for (int j = 0; j < 61; ++j) fld.grid.ys.push_back(-1.5 + 3.0 * j / 60);
  for (double y : fld.grid.ys)
    for (double x : fld.grid.xs) fld.grid.z.push_back(x * x + 4 * y * y);
  f.field = fld;
  const SvgDoc doc(render_svg(f));
  const AxisMap xm = axis_map(doc, "xtick", false), ym = axis_map(doc, "ytick", false);
  const auto contours = doc.with_class("contour");
  REQUIRE(contours.size() >= 4);
  int vertices = 0;
  for (const SvgElement* c : contours) {
    const double level = c->number("data-level");
    CAPTURE(level);
    for (const auto& [px, py] : hess::test::path_points(c->attr("d"))) {
      const double x = xm.value(px), y = ym.value(py);
      CHECK(std::fabs(x * x + 4 * y * y - level) <= kOnLevel * level);
      ++vertices;
    }
  }
  CHECK(vertices > 200);
  CHECK(!doc.with_class("band").empty());
  CHECK(doc.with_class("contourlabel").size() >= 2);
  CHECK(doc.children_of_class("colorbar", "rect").size() >= 3);
  hess::test::check_text_layout(doc, f.width, f.height);

  // log colours: levels 1-2-5 and decades, lines still on their ellipses where the grid resolves
  // them: interpolating log f linearly misses f by about h^2/c relatively (f = 4y^2 along y), under
  // 1 % from c = 0.5 on with h = 0.05
  f.field->log = true;
  const SvgDoc ld(render_svg(f));
  const AxisMap lxm = axis_map(ld, "xtick", false), lym = axis_map(ld, "ytick", false);
  int resolved = 0;
  for (const SvgElement* c : ld.with_class("contour")) {
    const double level = c->number("data-level");
    const double mant = level / std::pow(10.0, std::floor(std::log10(level) + 1e-9));
    CHECK((std::fabs(mant - 1) < 1e-9 || std::fabs(mant - 2) < 1e-9 || std::fabs(mant - 5) < 1e-9));
    if (level < 0.5) continue;
    ++resolved;
    for (const auto& [px, py] : hess::test::path_points(c->attr("d"))) {
      const double x = lxm.value(px), y = lym.value(py);
      CHECK(std::fabs(x * x + 4 * y * y - level) <= kOnLevel * level);
    }
  }
  CHECK(resolved >= 3);
}

TEST_CASE("the heat map is a PNG of the grid, the top row the largest y") {
  Figure f;
  Field fld;
  fld.heatmap = true;
  fld.lines = false;
  fld.grid.xs = {0, 1, 2, 3};
  fld.grid.ys = {0, 1, 2};
  fld.grid.z = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // row j is y_j
  f.field = fld;
  const SvgDoc doc(render_svg(f));
  const auto img = doc.with_class("heatmap");
  REQUIRE(img.size() == 1);
  const std::string href = img[0]->attr("href");
  const std::string prefix = "data:image/png;base64,";
  REQUIRE(href.rfind(prefix, 0) == 0);
  // decode base64
  std::string b64 = href.substr(prefix.size()), bytes;
  int val = 0, bits = -8;
  for (char ch : b64) {
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* pos = std::strchr(alphabet, ch);
    if (ch == '=' || !pos) break;
    val = (val << 6) + static_cast<int>(pos - alphabet);
    bits += 6;
    if (bits >= 0) {
      bytes += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  REQUIRE(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  auto u32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
  };
  CHECK(u32(16) == 4);  // width
  CHECK(u32(20) == 3);  // height
  const size_t idat = bytes.find("IDAT");
  REQUIRE(idat != std::string::npos);
  const uint32_t len = u32(idat - 4);
  std::string raw(3 * (1 + 4 * 3), '\0');
  uLongf raw_len = raw.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len,
                     reinterpret_cast<const Bytef*>(bytes.data() + idat + 4), len) == Z_OK);
  REQUIRE(raw_len == raw.size());
  // top-left pixel: x = 0, y = 2 (value 8); bottom-right: x = 3, y = 0 (value 3)
  auto pixel_hex = [&](int row, int col) {
    const size_t at = static_cast<size_t>(row) * 13 + 1 + 3 * static_cast<size_t>(col);
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<uint8_t>(raw[at]),
                  static_cast<uint8_t>(raw[at + 1]), static_cast<uint8_t>(raw[at + 2]));
    return std::string(buf);
  };
  CHECK(pixel_hex(0, 0) == hex(viridis(8.0 / 11)));
  CHECK(pixel_hex(2, 3) == hex(viridis(3.0 / 11)));
  CHECK(pixel_hex(2, 0) == hex(viridis(0)));
  CHECK(pixel_hex(0, 3) == hex(viridis(1)));
}

TEST_CASE("viridis: lightness rises monotonically, endpoints as matplotlib's") {
  double last = -1;
  for (int k = 0; k <= 100; ++k) {
    const double l = luminance(viridis(k / 100.0));
    CHECK(l > last);
    last = l;
  }
  CHECK(hex(viridis(0)) == "#440154");
  CHECK(hex(viridis(1)) == "#fde725");
  CHECK(hex(viridis(0.5)) == "#21918c");
}

TEST_CASE("rendering is deterministic") {
  Figure f = scatter(ScaleKind::Log);
  Field fld;
  for (int i = 0; i < 31; ++i) fld.grid.xs.push_back(i);
  for (int j = 0; j < 21; ++j) fld.grid.ys.push_back(j);
  for (int j = 0; j < 21; ++j)
    for (int i = 0; i < 31; ++i) fld.grid.z.push_back(std::sin(i * 0.3) * std::cos(j * 0.2));
  Figure g;
  g.field = fld;
  const std::string a = render_svg(f), b = render_svg(g);
  CHECK(render_svg(f) == a);
  CHECK(render_svg(g) == b);
  g.field->heatmap = true;
  CHECK(render_svg(g) == render_svg(g));
}
