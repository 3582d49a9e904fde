#include "runs/diag_run.h"

#include "engine/number_format.h"
#include "runs/observed_operator.h"

namespace hess::runs {

namespace {
constexpr int kStderrDigits = 3;
}

Record describe_diag(const DiagOptions& o, const DiagResult& r) {
  Record rec;
  rec.add("diagonal", std::vector<double>(r.diagonal.begin(), r.diagonal.end())).only(kDataset);
  rec.add("stderr", std::vector<double>(r.std_error.begin(), r.std_error.end())).only(kDataset);
  rec.add("trace", r.diagonal.sum()).only(kJson);
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  std::vector<double> sum, sum_se, mean, min, max;
  for (const GroupDiag& g : r.groups) {
    names.push_back(g.name);
    sizes.push_back(g.size);
    sum.push_back(g.sum);
    sum_se.push_back(g.sum_std_error);
    mean.push_back(g.mean);
    min.push_back(g.min);
    max.push_back(g.max);
  }
  Rows& layers = rec.rows("per_layer");
  layers.names("layer_names", names, "layer");
  layers.column("size", "layer_sizes", "parameters", sizes);
  layers.column("sum", "layer_sum", "sum (trace)", sum);
  layers.column("sum_stderr", "layer_sum_stderr", "stderr", sum_se, kStderrDigits);
  layers.column("mean", "layer_mean", "mean", mean);
  layers.column("min", "layer_min", "min", min);
  layers.column("max", "layer_max", "max", max);
  rec.add("method", o.exact ? "exact" : "hutchinson");
  rec.add("probes", r.probes);
  rec.add("ggn_diagonals", r.ggn_diagonals);
  rec.add("block", o.block).only(kAttr);
  describe_status(rec, r.status, r.message);
  return rec;
}

Record diag(const DiagRun& run, Observer& observer) {
  DiagOptions d = run.diag;
  d.seed = run.inputs.seed;
  d.validate();
  auto ws = open_workspace(run.inputs, observer);
  d.block = ws->columns(d.block, run.block_chosen, "block");
  const CurvatureTarget target(*ws, run.target);
  d.groups = target.layer_groups();
  ResultFile rf(run.output.out);
  const ObservedOperator op(target.op(), observer, d.exact ? 0 : d.probes);
  const DiagResult r = hess::run(d, op);
  observer.finished();
  fail_if_non_finite("diag", r.status, r.message);
  Record rec = describe_diag(d, r);
  commit_target_group(rf, "diag", rec, target, *ws, run.output.command_line, r.hvps, r.seconds);
  describe_run(rec, *ws, run.output, r.hvps, r.seconds);
  rec.add("target", target.summary()).only(0).head("target");
  rec.footer = (d.exact ? "exact GGN diagonal, "
                        : "hutchinson diagonal: " + std::to_string(r.probes) + " probes, ") +
               std::to_string(r.hvps) + " HVPs, " + significant(r.seconds, 4) +
               " s; the whole diagonal is in " + run.output.out;
  return rec;
}

}  // namespace hess::runs
