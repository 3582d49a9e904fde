#pragma once
// The axes of a landscape: random directions, Hessian eigenvectors, the line to a second model,
// the PCA plane of a checkpoint series, or a direction file, with what each adds to the output
// (eigenvalues, the PCA statistics and the projected path), and the fingerprint of the files they
// come from, so a resumed run can tell that it continues the same landscape.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analyzers/directions.h"
#include "analyzers/landscape.h"
#include "io/fingerprint.h"
#include "runs/workspace.h"

namespace hess::runs {

struct AxesRequest {
  DirectionKind kind = DirectionKind::Random;
  Normalization norm = Normalization::Filter;
  bool include_1d = false;
  std::string to;           // interp: the second model
  std::string checkpoints;  // pca: a folder, glob or series file
  std::string dir_file;     // file: a direction file
  // FieldErrors for files that do not fit the kind: `to` only with interp (and required there),
  // `checkpoints` only with pca, `dir_file` only with file.
  void validate() const;
};

struct Axes {
  LandscapeDirections directions;
  std::vector<double> proj_x, proj_y;    // pca: the checkpoints in the plane
  std::vector<std::string> proj_labels;  // pca: the checkpoints, in step order
  // eigen: eigenvalues, residuals; pca: explained_variance_, ..._ratio_, singular_values_
  std::map<std::string, std::vector<double>> stats;
  int64_t hvps = 0;     // eigen: curvature products spent
  std::string warning;  // eigen: why the eigensolver did not converge
};

// Adds (key, SHA-256) entries naming the files the axes come from (the second model, each
// checkpoint, the direction file); nothing for random and eigen axes.
void add_axes_inputs(Fingerprint& f, const AxesRequest& q);

// Computes the axes at the workspace's model (`two_d`: a y axis too). FieldError for fewer than 3
// checkpoints; runtime errors naming the file for a second model or checkpoint of another graph,
// checkpoints that span fewer dimensions than the grid has, or a direction file that does not fit.
Axes make_axes(const AxesRequest& q, bool two_d, Workspace& ws);

}  // namespace hess::runs
