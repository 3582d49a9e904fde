#pragma once
// The axes of `hessian landscape` from its flags (docs/cli.md): random directions, Hessian
// eigenvectors, the line to a second model, the PCA plane of a checkpoint series, or a direction
// file, with what each one adds to the output (eigenvalues, the PCA statistics and the projected
// path), and the fingerprint of the files they are made from, so a resumed run can tell that it
// continues the same landscape.
//
//   hess::cli::AxesRequest q{DirectionKind::Pca, Normalization::Filter, false, true, seed, "",
//   "run/*.h5", ""}; hess::cli::Axes a = hess::cli::make_axes(q, o, *session); hess::run(options,
//   a.directions, workers);

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analyzers/directions.h"
#include "analyzers/landscape.h"
#include "tools/session.h"

namespace hess::cli {

struct AxesRequest {
  DirectionKind kind = DirectionKind::Random;
  Normalization norm = Normalization::Filter;
  bool include_1d = false;
  bool two_d = false;
  uint64_t seed = 0;
  std::string to;           // interp: the second model
  std::string checkpoints;  // pca: a folder, glob or series file
  std::string dir_file;     // file: a direction file
};

struct Axes {
  LandscapeDirections directions;
  std::vector<double> proj_x, proj_y;    // pca: the checkpoints in the plane
  std::vector<std::string> proj_labels;  // pca: the checkpoints, in step order
  std::map<std::string, std::vector<double>>
      stats;            // eigen: eigenvalues, residuals; pca:
                        // explained_variance_, ..._ratio_, singular_values_
  int64_t hvps = 0;     // eigen: curvature products spent
  std::string warning;  // eigen: why the eigensolver did not converge
};

// Usage errors (exit 2) for flags that do not fit the kind: --to only with interp (and required
// there), --checkpoints only with pca, --dir-file only with file.
void check_axes_request(const AxesRequest& q, bool to_given, bool checkpoints_given,
                        bool dir_file_given);

// (key, value) pairs naming the files the axes come from by SHA-256 (the second model, each
// checkpoint, the direction file); empty for random and eigen axes.
std::vector<std::pair<std::string, std::string>> axes_inputs(const AxesRequest& q);

// Computes the axes at the session's model. Throws UsageError for fewer than 3 checkpoints, and
// runtime errors naming the file for a second model or checkpoint of another graph, checkpoints
// that span fewer dimensions than the grid has, or a direction file that does not fit the model.
Axes make_axes(const AxesRequest& q, const CommonOptions& o, Session& session);

}  // namespace hess::cli
