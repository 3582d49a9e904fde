#pragma once
// `hessian eigen --per-layer`: the extreme eigenvalues of every layer's diagonal block H_ll (the
// operator restricted to the layer's blocks, runs/curvature_target.h layer_operator) in one run,
// written to the group /eigen_per_layer (docs/formats.md) with one row per layer.
//
//   hess::runs::EigenRun run;  run.per_layer = true;
//   hess::Record summary = hess::runs::eigen(run, observer);   // dispatches here

#include <string>
#include <vector>

#include "analyzers/eigen.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/eigen_run.h"
#include "runs/observer.h"

namespace hess::runs {

// One layer's outcome.
struct LayerEigen {
  std::string name;
  int64_t params = 0;
  EigenResult result;  // at most k per end: fewer when the layer is smaller
};

// The rows of /eigen_per_layer: `layer_names`, `layer_sizes`, `eigenvalues` and `residuals`
// [layers, n] (NaN-padded where a layer has fewer), `converged_eigenvalues`, `layer_status`; the
// options, and the worst status with the messages of the layers not ok.
Record describe_eigen_per_layer(const EigenOptions& o, const std::vector<LayerEigen>& layers);

// The k extreme eigenvalues of each of target's layers, its products reported to `observer`.
std::vector<LayerEigen> eigen_per_layer_on(const EigenOptions& o, const CurvatureTarget& target,
                                           Observer& observer);

// Runs it, commits /eigen_per_layer and returns the summary (as eigen()).
Record eigen_per_layer(const EigenRun& run, Observer& observer);

}  // namespace hess::runs
