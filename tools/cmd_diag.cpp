// hessian diag: the diagonal of the Hessian (or GGN) of a model's loss by Hutchinson's estimator,
// with per-layer summaries; the whole diagonal goes to the result file (analyzers/diag.h).
#include <cstdio>

#include "analyzers/diag.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/curvature_flags.h"
#include "tools/json.h"
#include "tools/result_groups.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_diag(const std::vector<std::string>& args) {
  CommonOptions o;
  DiagOptions d;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  add_curvature_flags(desc, o);
  desc.add_options()("probes", po::value(&d.probes)->value_name("N")->default_value(d.probes),
                     "Rademacher probes (at least 2)")(
      "block", po::value(&d.block)->value_name("B")->default_value(d.block),
      "probes per pass (one B-column product)");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian diag --model data/digits-mlp.h5 --data data/digits.h5 --probes 200\n"
      "  hessian diag --arch mlp:64-32-10:tanh --samples 512 --layers 'fc2.*' --json\n";
  if (!parse_args("diag", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("diag", args);
  if (d.probes < 1)
    throw UsageError("--probes must be positive (got " + std::to_string(d.probes) + ")");
  d.seed = o.seed;
  as_usage([&] { d.validate(); });

  auto session = open_session(o, true);
  const CurvatureTarget target(*session, o);
  d.groups = target.layer_groups();
  ResultFile rf(o.out);
  const DiagResult r = as_usage([&] { return run(d, target.op()); });
  fail_if_non_finite("diag", r.status, r.message);

  commit_group(rf, "diag", target, analysis_metadata(*session, o, r.hvps, r.seconds),
               [&](ResultGroup& g) { write_diag(g, d, r); });

  if (o.json) {
    Json layers = Json::object();
    for (const GroupDiag& l : r.groups) {
      layers.set(l.name, Json::object()
                             .set("size", l.size)
                             .set("sum", l.sum)
                             .set("sum_stderr", l.sum_std_error)
                             .set("mean", l.mean)
                             .set("min", l.min)
                             .set("max", l.max));
    }
    Json j = Json::object();
    j.set("trace", r.diagonal.sum())
        .set("probes", r.probes)
        .set("hvps", r.hvps)
        .set("seconds", r.seconds)
        .set("per_layer", layers)
        .set("parameters", target.op().rows())
        .set("status", std::string(name_of(r.status)))
        .set("message", r.message);
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  Table t({"layer", "parameters", "sum (trace)", "stderr", "mean", "min", "max"});
  for (const GroupDiag& l : r.groups) {
    t.row({l.name, grouped(l.size), num(l.sum), num(l.sum_std_error, 3), num(l.mean), num(l.min),
           num(l.max)});
  }
  std::printf("model  %s (%s)\n\n%s", session->model_label.c_str(), target.summary().c_str(),
              t.str().c_str());
  std::printf("\nhutchinson diagonal: %lld probes, %lld HVPs, %s s; the whole diagonal is in %s\n",
              static_cast<long long>(r.probes), static_cast<long long>(r.hvps),
              num(r.seconds, 3).c_str(), o.out.c_str());
  return kExitOk;
}

}  // namespace hess::cli
