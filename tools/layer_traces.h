#pragma once
// Per-layer traces tr(H_ll) for `hessian trace` and `hessian report`, by the method the user chose:
//
//   hutchinson  from the probes of the total trace at no extra product (analyzers/trace.h: the
//               groups of TraceOptions), so the per-layer traces sum to the total exactly;
//   hutchpp,    one Hutch++ run with the same budget on each layer's diagonal block H_ll (the
//   xtrace      operator restricted to the layer). XTrace is not used per layer: its leave-one-out
//               bases are undefined on blocks of low rank, such as a classifier's last layer
//               (rank ≤ (classes − 1)·(inputs + 1)). These cost extra products, and their sum is
//               an independent estimate of the total.
//
//   hess::cli::TraceRun t = hess::cli::trace_with_layers(options, target);
//   t.total.trace; t.per_layer[i].trace; t.hvps (all products, the per-layer runs included)

#include <cstdint>
#include <vector>

#include "analyzers/trace.h"
#include "tools/curvature_flags.h"

namespace hess::cli {

struct TraceRun {
  TraceResult total;                  // over target.op()
  std::vector<GroupTrace> per_layer;  // one per layer of the target
  int64_t hvps = 0;                   // products of the whole run
  double seconds = 0.0;
};

// Throws std::invalid_argument for bad options (options.groups must be empty: the layers are the
// target's).
TraceRun trace_with_layers(const TraceOptions& options, const CurvatureTarget& target);

}  // namespace hess::cli
