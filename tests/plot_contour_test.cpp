// Tests of plot/contour.h against analytic level sets: every vertex of a contour of
// f(x, y) = x² + 4y² lies on the ellipse f = c (within 1 %), the line closes, the band between two
// levels has the area of the ring between the two ellipses; on f = xy (bilinear, so exact along
// grid edges) saddle cells give vertices exactly on the level; cells with NaN are left out.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "plot/contour.h"

using namespace hess::plot;

namespace {

constexpr double kOnLevel = 0.01;  // relative distance of a vertex's f from the level
constexpr double kAreaRel = 0.01;  // relative error of a band's area
constexpr double kExact = 1e-12;   // bilinear f along grid edges

template <typename F>
Grid sample(F f, double x0, double x1, int nx, double y0, double y1, int ny) {
  Grid g;
  for (int i = 0; i < nx; ++i) g.xs.push_back(x0 + (x1 - x0) * i / (nx - 1));
  for (int j = 0; j < ny; ++j) g.ys.push_back(y0 + (y1 - y0) * j / (ny - 1));
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) g.z.push_back(f(g.xs[i], g.ys[j]));
  return g;
}

double ellipse(double x, double y) {
  return x * x + 4 * y * y;
}

double area(const Polyline& p) {
  double a = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    const Point& u = p[k];
    const Point& v = p[(k + 1) % p.size()];
    a += u.x * v.y - v.x * u.y;
  }
  return std::fabs(a) / 2;
}

}  // namespace

TEST_CASE("contours of x^2 + 4y^2 lie on their ellipses and close") {
  // linear interpolation along an edge of length h misses f by at most f'' h^2 / 8: 0.0025 here
  // (f_yy = 8, h = 0.05), 0.5 % of the smallest level
  const Grid g = sample(ellipse, -2, 2, 81, -1.25, 1.25, 51);
  for (double c : {0.5, 1.0, 2.5}) {
    CAPTURE(c);
    const std::vector<Polyline> lines = contour_lines(g, c);
    REQUIRE(lines.size() == 1);
    const Polyline& l = lines[0];
    CHECK(l.size() > 20);
    for (const Point& p : l) CHECK(std::fabs(ellipse(p.x, p.y) - c) <= kOnLevel * c);
    CHECK(l.front().x == l.back().x);
    CHECK(l.front().y == l.back().y);
    // the enclosed area is the ellipse's, pi a b with a = sqrt(c), b = sqrt(c)/2
    CHECK(area(l) == doctest::Approx(std::numbers::pi * c / 2).epsilon(kAreaRel));
  }
}

TEST_CASE("a contour leaving the grid is an open line") {
  const Grid g = sample(ellipse, 0, 2, 41, 0, 1, 21);  // a quarter of the plane, h = 0.05
  const std::vector<Polyline> lines = contour_lines(g, 1.0);
  REQUIRE(lines.size() == 1);
  const Polyline& l = lines[0];
  CHECK(!(l.front().x == l.back().x && l.front().y == l.back().y));
  for (const Point& p : l) CHECK(std::fabs(ellipse(p.x, p.y) - 1) <= kOnLevel);
}

TEST_CASE("filled bands cover the ring between two ellipses") {
  const Grid g = sample(ellipse, -2, 2, 81, -1.25, 1.25, 51);
  double ring = 0;
  for (const Polyline& p : band_polygons(g, 0.5, 2.0)) ring += area(p);
  CHECK(ring == doctest::Approx(std::numbers::pi * (2.0 - 0.5) / 2).epsilon(kAreaRel));
  // the bands of a partition tile the whole grid
  double total = 0;
  const double inf = std::numeric_limits<double>::infinity();
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{-inf, 0.5}, {0.5, 2}, {2, inf}})
    for (const Polyline& p : band_polygons(g, lo, hi)) total += area(p);
  CHECK(total == doctest::Approx(4.0 * 2.5).epsilon(1e-9));
}

TEST_CASE("saddles of f = xy: vertices exactly on the level, two branches") {
  const Grid g = sample([](double x, double y) { return x * y; }, -1, 1, 9, -1, 1, 9);
  for (double c : {0.2, -0.2}) {
    const std::vector<Polyline> lines = contour_lines(g, c);
    CHECK(lines.size() == 2);  // the two branches of the hyperbola
    for (const Polyline& l : lines)
      for (const Point& p : l) CHECK(std::fabs(p.x * p.y - c) < kExact);
  }
  // level 0 passes through grid nodes and saddle cells; every vertex still on it
  for (const Polyline& l : contour_lines(g, 1e-3))
    for (const Point& p : l) CHECK(std::fabs(p.x * p.y - 1e-3) < kExact);
}

TEST_CASE("cells with a NaN corner are left out") {
  Grid g = sample(ellipse, -2, 2, 21, -1, 1, 11);
  g.z[5 * 21 + 10] = std::numeric_limits<double>::quiet_NaN();  // the centre node
  for (const Polyline& l : contour_lines(g, 0.01))
    for (const Point& p : l) CHECK(std::isfinite(p.x));
  for (const Polyline& l : contour_lines(g, 1.0))
    for (const Point& p : l) CHECK(std::fabs(ellipse(p.x, p.y) - 1) <= 0.05);
  double a = 0;
  for (const Polyline& p : band_polygons(g, -1, 100)) a += area(p);
  CHECK(a ==
        doctest::Approx(4 * 2 - 4 * 0.2 * 0.2).epsilon(1e-9));  // four cells of 0.2 x 0.2 missing
}
