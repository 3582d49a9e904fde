// hessian trace: the trace of the Hessian (or GGN) of a model's loss by Hutchinson, Hutch++ or
// XTrace, with per-layer traces and ‖H‖_F² (analyzers/trace.h, tools/layer_traces.h).
#include <algorithm>
#include <cstdio>

#include "analyzers/trace.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/curvature_flags.h"
#include "tools/json.h"
#include "tools/layer_traces.h"
#include "tools/result_groups.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_trace(const std::vector<std::string>& args) {
  CommonOptions o;
  TraceOptions to;
  std::string method = "hutchinson";
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  add_curvature_flags(desc, o);
  desc.add_options()(
      "method", po::value(&method)->value_name("hutchinson|hutchpp|xtrace")->default_value(method),
      "Hutchinson (with per-layer traces and |H|_F^2 from the same probes), Hutch++ or XTrace")(
      "probes", po::value(&to.max_probes)->value_name("N")->default_value(to.max_probes),
      "hutchinson: most probes; hutchpp, xtrace: the products")(
      "rtol", po::value(&to.rtol)->value_name("R")->default_value(to.rtol),
      "hutchinson: stop when the standard error is below R |trace| (0: use all probes)")(
      "block", po::value(&to.block)->value_name("B")->default_value(to.block),
      "probes per pass (one B-column product)");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian trace --model data/digits-mlp.h5 --data data/digits.h5\n"
      "  hessian trace --arch mlp:64-32-10:tanh --samples 512 --method hutchpp --probes 99 --json\n"
      "  hessian trace --model m.h5 --data d.h5 --rtol 0 --probes 500 --layers 'fc*'\n";
  if (!parse_args("trace", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("trace", args);
  if (to.max_probes < 1)
    throw UsageError("--probes must be positive (got " + std::to_string(to.max_probes) + ")");
  to.min_probes = std::min(to.min_probes, to.max_probes);
  to.seed = o.seed;
  to.method = as_usage([&] { return parse_enum<TraceMethod>(method); });
  as_usage([&] { to.validate(); });

  auto session = open_session(o, true);
  const CurvatureTarget target(*session, o);
  ResultFile rf(o.out);
  const TraceRun t = as_usage([&] { return trace_with_layers(to, target); });
  const TraceResult& r = t.total;
  fail_if_non_finite("trace", r.status, r.message);

  commit_group(rf, "trace", target, analysis_metadata(*session, o, t.hvps, t.seconds),
               [&](ResultGroup& g) { write_trace(g, to, r, t.per_layer); });

  const bool converged = r.status == Status::Ok;
  if (o.json) {
    Json layers = Json::object();
    for (const GroupTrace& l : t.per_layer)
      layers.set(l.name, Json::object().set("trace", l.trace).set("stderr", l.std_error));
    Json j = Json::object();
    j.set("trace", r.trace)
        .set("stderr", r.std_error)
        .set("probes", r.probes)
        .set("hvps", t.hvps)
        .set("seconds", t.seconds)
        .set("per_layer", layers)
        .set("frobenius2", r.frobenius2);
    j.set("method", std::string(name_of(to.method)))
        .set("parameters", target.op().rows())
        .set("converged", converged)
        .set("status", std::string(name_of(r.status)))
        .set("message", r.message);
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  Table tab({"layer", "parameters", "trace", "stderr"});
  for (const GroupTrace& l : t.per_layer)
    tab.row({l.name, grouped(l.size), num(l.trace), num(l.std_error, 3)});
  tab.row({"total", grouped(target.op().rows()), num(r.trace), num(r.std_error, 3)});
  std::printf("model  %s (%s)\n\n%s", session->model_label.c_str(), target.summary().c_str(),
              tab.str().c_str());
  if (to.method == TraceMethod::Hutchinson)
    std::printf("\n|H|_F^2  %s ± %s\n", num(r.frobenius2).c_str(),
                num(r.frobenius2_std_error, 3).c_str());
  std::printf("\n%s: %lld probes, %lld HVPs, %s s, converged: %s\n",
              std::string(name_of(to.method)).c_str(), static_cast<long long>(r.probes),
              static_cast<long long>(t.hvps), num(t.seconds, 3).c_str(),
              converged ? "true" : "false");
  if (!converged) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  return kExitOk;
}

}  // namespace hess::cli
