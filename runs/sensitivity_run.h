#pragma once
// `hessian sensitivity` as a library call: HAWQ-style per-block quantization sensitivity
// (analyzers/sensitivity.h), a mixed-precision bit allocation under a budget and its Pareto sweep
// (analyzers/bit_allocation.h), and the allocated model fake-quantized into a model file.
//
// Groups of the result file: /sensitivity (per block and width), /allocation when a budget is
// given, /pareto when a sweep is asked. The allocation also reports the best uniform allocation
// within the same budget (every block at one width), measured the same way, as the baseline a
// mixed-precision choice must beat.
//
//   hess::runs::SensitivityRun run;
//   run.inputs.model = "m.h5"; run.inputs.data = "d.h5";
//   run.allocation.budget = "avg-bits=4";
//   run.write_quantized = "m-q.h5";
//   hess::Record r = hess::runs::sensitivity(run, observer);

#include <string>

#include "analyzers/bit_allocation.h"
#include "analyzers/sensitivity.h"
#include "io/record.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct SensitivityRun {
  Inputs inputs;
  SensitivityOptions sensitivity;  // its seed is inputs.seed
  // Nothing is allocated without a budget or pareto points. Its criterion is the study's rank_by
  // and it measures when the study does.
  AllocationOptions allocation;
  std::string write_quantized;  // the allocated model, fake-quantized; "" for none
  Output output;
};

// The fields of /sensitivity: per-block rows (names, params, unit, lambda_max, trace,
// trace_stderr, and per width perturbation, omega, predicted_dloss, gradient_dloss,
// measured_dloss), bits, the ranking and the rank correlations of the criteria with the measured
// change.
Record describe_sensitivity(const SensitivityResult& r);

// The fields of /allocation: the budget, the chosen widths (`bits_per_block`, and in JSON `bits`
// as block name -> width), sizes, the summed, joint and measured loss changes, and the uniform
// baseline (`uniform` = null when no single width fits the budget).
Record describe_allocation(const SensitivityResult& s, const AllocationResult& a,
                           const Allocation* uniform);

// The fields of /pareto: one row per optimum of the sweep.
Record describe_pareto(const SensitivityResult& s, const AllocationResult& a);

Record sensitivity(const SensitivityRun& run, Observer& observer);

}  // namespace hess::runs
