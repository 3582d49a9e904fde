#pragma once
// The files of tomgoldstein/loss-landscape, so its plotting scripts (plot_2D.py, plot_1D.py,
// h52vtp.py) and anyone who reads them with h5py can use our landscapes (docs/formats.md, section
// "Landscape surface, direction and projection files"):
//
//   surface file     root datasets `xcoordinates` [nx], `ycoordinates` [ny] (2-D only),
//                    `train_loss` and `train_acc` (percent), float64, (ny, nx) for 2-D and [nx]
//                    for 1-D, −1 where not yet computed; `test_loss` and `test_acc` (percent), the
//                    same on a second data set, when the landscape has one; `dir_file`, a scalar
//                    variable-length string dataset, as loss-landscape's `f['dir_file'] = dir_file`
//                    writes it; extra metadata as root attributes.
//   direction file   groups `xdirection` (and `ydirection`), each holding one dataset per parameter
//                    block in the graph's block order, named "0", "1", ... in the block's natural
//                    shape (loss-landscape's h5_util.write_list); a PCA plane adds the root
//                    datasets `explained_variance_`, `explained_variance_ratio_`,
//                    `singular_values_`.
//   projection file  root datasets `proj_xcoord`, `proj_ycoord`: a trajectory's path in the plane.
//
// loss-landscape allocates its 2-D arrays as (nx, ny) but fills them in meshgrid order (index
// j·nx + i is (x_i, y_j)), which is the (ny, nx) layout we store; for square grids the two agree.
// Every file is written to NAME.partial and renamed when complete.
//
//   hess::SurfaceData s{x, y, loss, acc_percent, "dirs.h5"};
//   hess::write_surface_file("surface.h5", s);
//   hess::write_direction_file("dirs.h5", graph, {dx, dy});
//   std::vector<std::vector<double>> d = hess::read_direction_file("dirs.h5", graph, 2);

#include <map>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "io/hdf5_object.h"

namespace hess {

struct SurfaceData {
  std::vector<double> xcoordinates;
  std::vector<double> ycoordinates;  // empty for a 1-D landscape
  std::vector<double> train_loss;    // ny·nx, row j = y_j; −1 where not computed
  std::vector<double> train_acc;     // percent, same layout
  std::vector<double> test_loss;     // on a second data set, same layout; empty: none
  std::vector<double> test_acc;      // percent, same layout; empty exactly when test_loss is
  std::string dir_file;
  std::map<std::string, h5::Value> attrs;  // extra metadata, root attributes
};

// Throws std::invalid_argument when the arrays do not have the coordinates' sizes (test_loss and
// test_acc: that size or both empty), FileError when
// the file cannot be written.
void write_surface_file(const std::string& path, const SurfaceData& surface);

// Writes `directions` (1 or 2 flat vectors of the graph's parameter count) as `xdirection` and
// `ydirection`, plus `extra` as root float64 datasets. Throws std::invalid_argument for wrong
// lengths.
void write_direction_file(const std::string& path, const Graph& graph,
                          const std::vector<std::vector<double>>& directions,
                          const std::map<std::string, std::vector<double>>& extra = {});

// Reads the first `count` directions (1: xdirection, 2: and ydirection) as flat vectors in θ's
// order. Datasets may be float32 (as loss-landscape writes them) or float64. Throws FileError
// naming the file when a group is missing, a block count or a shape differs from the graph's, or a
// value is not finite.
std::vector<std::vector<double>> read_direction_file(const std::string& path, const Graph& graph,
                                                     int count);

// Writes `proj_xcoord` and `proj_ycoord`.
void write_projection_file(const std::string& path, const std::vector<double>& x,
                           const std::vector<double>& y);

}  // namespace hess
