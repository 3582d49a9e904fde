#include "runs/trace_run.h"

#include <algorithm>

#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "runs/observed_operator.h"

namespace hess::runs {

namespace {
constexpr int kStderrDigits = 3;
}

LayerTraces trace_with_layers(const TraceOptions& options, const CurvatureTarget& target,
                              Observer& observer) {
  if (!options.groups.empty())
    throw FieldError("groups", "come from the target's layers: leave them empty");
  const Stopwatch clock;
  LayerTraces t;
  TraceOptions o = options;
  const bool groups = has_group_traces(o.method);
  if (groups) o.groups = target.layer_groups();
  const int64_t per_run = o.max_probes;
  const int64_t runs = groups ? 1 : 1 + static_cast<int64_t>(target.layers().size());
  {
    const ObservedOperator op(target.op(), observer, per_run * runs);
    t.total = run(o, op);
  }
  t.hvps = t.total.hvps;
  if (groups) {
    t.per_layer = t.total.groups;
  } else if (t.total.status != Status::NonFinite) {
    for (size_t l = 0; l < target.layers().size(); ++l) {
      const auto H_ll = target.layer_operator(l);
      TraceOptions lo = o;
      lo.method = TraceMethod::HutchPP;
      lo.max_probes = std::max(o.max_probes, kHutchPPMinProducts);
      const TraceResult r = run(lo, *H_ll);
      t.hvps += r.hvps;
      observer.progress(t.hvps, per_run * runs, "HVPs");
      if (r.status == Status::NonFinite) {
        t.total.status = r.status;
        t.total.message = target.layers()[l].name + ": " + r.message;
        break;
      }
      t.per_layer.push_back({target.layers()[l].name, H_ll->rows(), r.trace, r.std_error});
    }
  }
  observer.finished();
  t.seconds = clock.seconds();
  return t;
}

Record describe_trace(const TraceOptions& o, const LayerTraces& t) {
  const TraceResult& r = t.total;
  Record rec;
  rec.add("method", name_of(r.method));
  rec.add("trace", r.trace).show("trace", 6, "± " + significant(r.std_error, kStderrDigits));
  rec.add("stderr", r.std_error);
  rec.add("probes", r.probes);
  rec.add("rtol", o.rtol).only(kAttr);
  rec.add("frobenius_norm_squared", r.frobenius2);
  rec.add("frobenius_norm_squared_stderr", r.frobenius2_std_error);
  rec.add("ggn_trace", r.ggn_trace);
  rec.add("ggn_diagonals", r.ggn_diagonals);
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  std::vector<double> traces, errors;
  for (const GroupTrace& l : t.per_layer) {
    names.push_back(l.name);
    sizes.push_back(l.size);
    traces.push_back(l.trace);
    errors.push_back(l.std_error);
  }
  Rows& layers = rec.rows("per_layer");
  layers.names("layer_names", names, "layer");
  layers.column("size", "layer_sizes", "parameters", sizes);
  layers.column("trace", "layer_traces", "trace", traces);
  layers.column("stderr", "layer_stderr", "stderr", errors, kStderrDigits);
  describe_status(rec, r.status, r.message);
  return rec;
}

Record trace(const TraceRun& run, Observer& observer) {
  TraceOptions to = run.trace;
  to.seed = run.inputs.seed;
  to.validate();
  auto ws = open_workspace(run.inputs, observer);
  to.block = ws->columns(to.block, run.block_chosen, "block");
  const CurvatureTarget target(*ws, run.target);
  ResultFile rf(run.output.out);
  const LayerTraces t = trace_with_layers(to, target, observer);
  fail_if_non_finite("trace", t.total.status, t.total.message);
  Record rec = describe_trace(to, t);
  commit_target_group(rf, "trace", rec, target, *ws, run.output.command_line, t.hvps, t.seconds);
  describe_run(rec, *ws, run.output, t.hvps, t.seconds);
  rec.add("target", target.summary()).only(0).head("target");
  if (t.total.method == TraceMethod::Hutchinson)
    rec.add("frobenius2_text", significant(t.total.frobenius2) + " ± " +
                                   significant(t.total.frobenius2_std_error, kStderrDigits))
        .only(0)
        .show("|H|_F^2");
  rec.footer = std::string(name_of(t.total.method)) + ": " + std::to_string(t.total.probes) +
               " probes, " + std::to_string(t.hvps) + " HVPs, " +
               std::to_string(t.total.ggn_diagonals) + " exact GGN diagonals, " +
               significant(t.seconds, 4) +
               " s, converged: " + (t.total.status == Status::Ok ? "true" : "false");
  if (t.total.status != Status::Ok) observer.warn(t.total.message);
  return rec;
}

}  // namespace hess::runs
