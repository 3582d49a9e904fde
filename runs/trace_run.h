#pragma once
// `hessian trace` as a library call: the trace of the Hessian (or GGN) with per-layer traces and
// ‖H‖_F², written to the group /trace of the result file.
//
// Per-layer traces tr(H_ll), by the method chosen:
//   hutchinson  from the probes of the total trace at no extra product (TraceOptions::groups), so
//               the per-layer traces sum to the total exactly;
//   hutchpp,    one Hutch++ run with the same budget on each layer's diagonal block H_ll. XTrace is
//   xtrace      not used per layer: its leave-one-out bases are undefined on blocks of low rank,
//               such as a classifier's last layer. These cost extra products, and their sum is an
//               independent estimate of the total.

#include <cstdint>
#include <vector>

#include "analyzers/trace.h"
#include "io/record.h"
#include "runs/curvature_target.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct TraceRun {
  Inputs inputs;
  TargetSpec target;
  TraceOptions trace;  // its seed is inputs.seed; groups come from the target's layers
  Output output;
  // Whether the user chose the block size; when not, it is lowered to what fits in memory.
  bool block_chosen = true;
};

struct LayerTraces {
  TraceResult total;                  // over target.op()
  std::vector<GroupTrace> per_layer;  // one per layer of the target
  int64_t hvps = 0;                   // products of the whole run
  double seconds = 0.0;
};

// The total and per-layer traces on `target` (options.groups must be empty). FieldError for bad
// options.
LayerTraces trace_with_layers(const TraceOptions& options, const CurvatureTarget& target,
                              Observer& observer);

// The fields of /trace.
Record describe_trace(const TraceOptions& o, const LayerTraces& t);

Record trace(const TraceRun& run, Observer& observer);

}  // namespace hess::runs
