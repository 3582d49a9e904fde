#pragma once
// `hessian sharpness` as a library call: λmax, trace, ‖H‖_F, gradient overlap with the top-k
// eigenspace, average-case, worst-case and Keskar's sharpness (analyzers/sharpness.h), written to
// the group /sharpness of the result file.

#include "analyzers/sharpness.h"
#include "io/record.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct SharpnessRun {
  Inputs inputs;
  SharpnessOptions sharpness;  // its seed is inputs.seed
  Output output;
};

// The key of a measure's value in the summary and in /sharpness: its name, but `frobenius_norm`
// for `frobenius` (‖H‖_F; trace's `frobenius_norm_squared` is ‖H‖_F², docs/cli.md "JSON").
std::string measure_key(SharpnessMeasure m);

// The fields of /sharpness (the measures asked, with their details).
Record describe_sharpness(const SharpnessOptions& o, const SharpnessResult& r);

Record sharpness(const SharpnessRun& run, Observer& observer);

}  // namespace hess::runs
