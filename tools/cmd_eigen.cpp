// hessian eigen: the extreme eigenvalues of the Hessian (or GGN) of a model's loss, whole or
// restricted to some blocks (analyzers/eigen.h).
#include <cstdio>

#include "analyzers/eigen.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/curvature_flags.h"
#include "tools/json.h"
#include "tools/result_groups.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_eigen(const std::vector<std::string>& args) {
  CommonOptions o;
  EigenOptions eo;
  std::string which = "largest", method = "lanczos";
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  add_curvature_flags(desc, o);
  desc.add_options()("k", po::value(&eo.k)->value_name("K")->default_value(5),
                     "eigenvalues per end")(
      "which", po::value(&which)->value_name("largest|smallest|both")->default_value(which),
      "which end of the spectrum, by algebraic value (never by magnitude)")(
      "tol", po::value(&eo.tol)->value_name("T")->default_value(eo.tol),
      "lanczos: relative residual estimate; power: relative change of the Rayleigh quotient")(
      "method", po::value(&method)->value_name("lanczos|power")->default_value(method),
      "Lanczos (Spectra), or power iteration with deflation as PyHessian does it")(
      "max-iterations",
      po::value(&eo.max_iterations)->value_name("N")->default_value(eo.max_iterations),
      "lanczos: restarts; power: iterations per eigenvalue")(
      "save-vectors", po::bool_switch(&eo.save_vectors),
      "write the eigenvectors to the result file");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian eigen --model data/digits-mlp.h5 --data data/digits.h5 --k 5\n"
      "  hessian eigen --arch mlp:64-32-10:tanh --samples 512 --which both --k 3 --json\n"
      "  hessian eigen --model m.h5 --data d.h5 --layers 'fc1.*' --method power --tol 1e-4\n";
  if (!parse_args("eigen", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("eigen", args);
  eo.seed = o.seed;
  eo.which = as_usage([&] { return parse_enum<Which>(which); });
  eo.method = as_usage([&] { return parse_enum<EigenMethod>(method); });
  as_usage([&] { eo.validate(); });

  auto session = open_session(o, true);
  const CurvatureTarget target(*session, o);
  ResultFile rf(o.out);
  const EigenResult r = as_usage([&] { return run(eo, target.op()); });
  fail_if_non_finite("eigen", r.status, r.message);

  commit_group(rf, "eigen", target, analysis_metadata(*session, o, r.hvps, r.seconds),
               [&](ResultGroup& g) { write_eigen(g, eo, r); });

  const bool converged = r.status == Status::Ok;
  if (o.json) {
    Json j = Json::object();
    j.set("eigenvalues", Json::array_of(r.eigenvalues))
        .set("residuals", Json::array_of(r.residuals))
        .set("hvps", r.hvps)
        .set("seconds", r.seconds)
        .set("converged", converged);
    j.set("method", std::string(name_of(eo.method)))
        .set("which", std::string(name_of(eo.which)))
        .set("parameters", target.op().rows())
        .set("status", std::string(name_of(r.status)))
        .set("message", r.message);
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  Table t({"#", "eigenvalue", "residual"});
  for (Eigen::Index i = 0; i < r.eigenvalues.size(); ++i)
    t.row({std::to_string(i + 1), num(r.eigenvalues(i), 10), num(r.residuals(i), 3)});
  std::printf("model  %s (%s)\n\n%s", session->model_label.c_str(), target.summary().c_str(),
              t.str().c_str());
  std::printf("\n%s, %s: %lld HVPs, %s s, converged: %s\n", std::string(name_of(eo.method)).c_str(),
              std::string(name_of(eo.which)).c_str(), static_cast<long long>(r.hvps),
              num(r.seconds, 3).c_str(), converged ? "true" : "false");
  if (!converged) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  return kExitOk;
}

}  // namespace hess::cli
