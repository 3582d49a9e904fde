#include "tools/layer_traces.h"

#include <algorithm>
#include <stdexcept>

#include "analyzers/stopwatch.h"

namespace hess::cli {

namespace {
// Hutch++ needs at least 6 products (XTrace, whose budget a layer inherits, accepts 4).
constexpr int kHutchPPMinProbes = 6;
}  // namespace

TraceRun trace_with_layers(const TraceOptions& options, const CurvatureTarget& target) {
  if (!options.groups.empty())
    throw std::invalid_argument("trace_with_layers: groups come from the target's layers");
  const Stopwatch clock;
  TraceRun t;
  TraceOptions o = options;
  if (o.method == TraceMethod::Hutchinson) o.groups = target.layer_groups();
  t.total = run(o, target.op());
  t.hvps = t.total.hvps;
  if (o.method == TraceMethod::Hutchinson) {
    t.per_layer = t.total.groups;
  } else if (t.total.status != Status::NonFinite) {
    for (size_t l = 0; l < target.layers().size(); ++l) {
      const auto H_ll = target.layer_operator(l);
      TraceOptions lo = o;
      lo.method = TraceMethod::HutchPP;
      lo.max_probes = std::max(o.max_probes, kHutchPPMinProbes);
      const TraceResult r = run(lo, *H_ll);
      t.hvps += r.hvps;
      if (r.status == Status::NonFinite) {
        t.total.status = r.status;
        t.total.message = target.layers()[l].name + ": " + r.message;
        break;
      }
      t.per_layer.push_back({target.layers()[l].name, H_ll->rows(), r.trace, r.std_error});
    }
  }
  t.seconds = clock.seconds();
  return t;
}

}  // namespace hess::cli
