#pragma once
// `hessian eigen` as a library call: the extreme eigenvalues of the Hessian (or GGN) of a model's
// loss, whole or restricted to some blocks, written to the group /eigen of the result file.
//
//   hess::runs::EigenRun run;
//   run.inputs.model = "m.h5"; run.inputs.data = "d.h5";
//   run.eigen.k = 5;
//   hess::Record summary = hess::runs::eigen(run, observer);

#include "analyzers/eigen.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct EigenRun {
  Inputs inputs;
  TargetSpec target;
  EigenOptions eigen;  // its seed is inputs.seed
  Output output;
  bool per_layer = false;  // each layer's diagonal block instead (runs/eigen_per_layer.h)
};

// The fields of /eigen (docs/formats.md, "Spectral result groups").
Record describe_eigen(const EigenOptions& o, const EigenResult& r);

// The analysis on `target`, its products reported to `observer` (also for `hessian report`).
EigenResult eigen_on(const EigenOptions& o, const CurvatureTarget& target, Observer& observer);

// Runs the analysis, commits /eigen and returns the summary. Throws FieldError for bad options,
// FileError for files, std::runtime_error when NaN or Inf is met (nothing written then).
Record eigen(const EigenRun& run, Observer& observer);

}  // namespace hess::runs
