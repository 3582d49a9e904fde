#pragma once
// Contours of a function sampled on a rectilinear grid, in data coordinates:
// - contour_lines: the level set f = c by marching squares (each cell's crossing points
//   interpolated linearly along its edges; a saddle cell resolved by the cell's mean), segments
//   joined into polylines;
// - band_polygons: the region lo <= f < hi of the piecewise-linear interpolant on triangles (each
//   cell split along its diagonal), as polygons, cells wholly inside the band merged into
//   rectangles along rows.
// Non-finite samples leave their cells out.

#include <cstddef>
#include <vector>

namespace hess::plot {

struct Point {
  double x = 0, y = 0;
};
using Polyline = std::vector<Point>;

struct Grid {
  std::vector<double> xs, ys;  // ascending, nx and ny
  std::vector<double> z;       // (ny, nx), row j is ys[j]
  double at(size_t i, size_t j) const { return z[j * xs.size() + i]; }
};

std::vector<Polyline> contour_lines(const Grid& g, double level);
std::vector<Polyline> band_polygons(const Grid& g, double lo, double hi);

}  // namespace hess::plot
