#pragma once
// `hessian diag` as a library call: the diagonal of the Hessian (or GGN) by Hutchinson's
// estimator with per-layer summaries, the whole diagonal in the group /diag of the result file.

#include "analyzers/diag.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct DiagRun {
  Inputs inputs;
  TargetSpec target;
  DiagOptions diag;  // its seed is inputs.seed; groups come from the target's layers
  Output output;
  // Whether the user chose the block size; when not, it is lowered to what fits in memory.
  bool block_chosen = true;
};

// The fields of /diag.
Record describe_diag(const DiagOptions& o, const DiagResult& r);

Record diag(const DiagRun& run, Observer& observer);

}  // namespace hess::runs
