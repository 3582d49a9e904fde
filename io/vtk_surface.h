#pragma once
// A 2-D landscape as a ParaView surface: a VTK XML PolyData file (.vtp, ASCII), as
// tomgoldstein/loss-landscape's h52vtp.py writes, for any nx x ny grid (h52vtp assumes a square).
//
//   points   (x_i, y_j, z_ji) in the grid's (ny, nx) order: point j·nx + i
//   polys    one quad per grid cell: (j, i), (j, i+1), (j+1, i+1), (j+1, i)
//   z        the first point array, clipped at zmax when zmax > 0, then log(z + 0.1) when log
//   point data  every array as given (e.g. train_loss, train_acc), unclipped
//   cell data   "averaged zvalue": the mean z of each quad's corners (as h52vtp)
//
// Values not computed (−1 in a partial surface) or not finite are written as NaN.
//
//   hess::VtkSurface s{xs, ys, {{"train_loss", loss}, {"train_acc", acc}}};
//   std::string text = hess::vtk_surface_text(s, {});
//   hess::write_vtk_surface("surface.vtp", s, {});

#include <string>
#include <utility>
#include <vector>

namespace hess {

struct VtkSurface {
  std::vector<double> x;  // nx coordinates
  std::vector<double> y;  // ny coordinates
  // Named point arrays of ny·nx values each, (ny, nx) row-major; the first gives the heights.
  std::vector<std::pair<std::string, std::vector<double>>> arrays;
};

struct VtkOptions {
  double zmax = 0.0;           // > 0: heights above zmax are clipped to it
  bool log = false;            // heights log(z + 0.1)
  double not_computed = -1.0;  // written as NaN
};

// Throws std::invalid_argument for fewer than 2 coordinates on an axis, no arrays, or an array of
// the wrong size (naming it).
std::string vtk_surface_text(const VtkSurface& surface, const VtkOptions& options);

// Writes the text to `path` atomically (PATH.partial, then renamed); throws std::runtime_error
// naming the file when it cannot be written.
void write_vtk_surface(const std::string& path, const VtkSurface& surface,
                       const VtkOptions& options);

}  // namespace hess
