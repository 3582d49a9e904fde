#pragma once
// `hessian density` as a library call: the spectral density by stochastic Lanczos quadrature,
// written to the group /density of the result file.

#include "analyzers/density.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct DensityRun {
  Inputs inputs;
  TargetSpec target;
  DensityOptions density;  // its seed is inputs.seed
  Output output;
  // Whether the user chose the block size; when not, it is lowered to what fits in memory.
  bool block_chosen = true;
};

// The fields of /density: the raw nodes and weights as (runs, steps) arrays padded with NaN for
// runs that stopped early, the smoothed density and the derived criteria.
Record describe_density(const DensityOptions& o, const DensityResult& r);

// The density on `target` with progress.
DensityResult density_on(const DensityOptions& o, const CurvatureTarget& target,
                         Observer& observer);

Record density(const DensityRun& run, Observer& observer);

}  // namespace hess::runs
