// hessian density: the spectral density of the Hessian (or GGN) of a model's loss by stochastic
// Lanczos quadrature, raw nodes and weights plus a Gaussian-smoothed density (analyzers/density.h).
#include <cstdio>

#include "analyzers/density.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/curvature_flags.h"
#include "tools/json.h"
#include "tools/result_groups.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_density(const std::vector<std::string>& args) {
  CommonOptions o;
  DensityOptions d;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  add_curvature_flags(desc, o);
  desc.add_options()("runs", po::value(&d.runs)->value_name("N")->default_value(d.runs),
                     "independent start vectors")(
      "steps", po::value(&d.steps)->value_name("M")->default_value(d.steps),
      "Lanczos steps per run (capped at the parameter count)")(
      "grid", po::value(&d.grid)->value_name("G")->default_value(d.grid),
      "points of the smoothed density")(
      "sigma", po::value(&d.sigma)->value_name("S")->default_value(d.sigma),
      "standard deviation of the smoothing Gaussian, as a fraction of the spectrum's width")(
      "block", po::value(&d.block)->value_name("B")->default_value(d.block),
      "runs advancing together through one B-column product")(
      "negative-threshold",
      po::value(&d.negative_threshold)->value_name("EPS")->default_value(d.negative_threshold),
      "the robust negative mass counts eigenvalues below -EPS * lambda_max");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian density --model data/digits-mlp.h5 --data data/digits.h5\n"
      "  hessian density --arch mlp:64-32-10:tanh --samples 512 --runs 5 --steps 40 --json\n";
  if (!parse_args("density", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("density", args);
  d.seed = o.seed;
  as_usage([&] { d.validate(); });

  auto session = open_session(o, true);
  const CurvatureTarget target(*session, o);
  ResultFile rf(o.out);
  const DensityResult r = as_usage([&] { return run(d, target.op()); });
  fail_if_non_finite("density", r.status, r.message);

  commit_group(rf, "density", target, analysis_metadata(*session, o, r.hvps, r.seconds),
               [&](ResultGroup& g) { write_density(g, d, r); });

  if (o.json) {
    Json nodes = Json::array(), weights = Json::array();
    for (size_t i = 0; i < r.nodes.size(); ++i) {
      nodes.push(Json::array_of(r.nodes[i]));
      weights.push(Json::array_of(r.weights[i]));
    }
    Json j = Json::object();
    j.set("grid", Json::array_of(r.grid))
        .set("density", Json::array_of(r.density))
        .set("nodes", nodes)
        .set("weights", weights)
        .set("hvps", r.hvps)
        .set("seconds", r.seconds)
        .set("negative_mass", r.negative_mass);
    j.set("negative_mass_stderr", r.negative_mass_std_error)
        .set("negative_mass_beyond", r.negative_mass_beyond)
        .set("negative_mass_beyond_stderr", r.negative_mass_beyond_std_error)
        .set("negative_threshold", d.negative_threshold)
        .set("lambda_min", r.lambda_min)
        .set("lambda_max", r.lambda_max)
        .set("max_over_min", r.max_over_min)
        .set("kh", r.lla_kh)
        .set("sigma", r.sigma)
        .set("integral", r.integral)
        .set("parameters", target.op().rows())
        .set("status", std::string(name_of(r.status)))
        .set("message", r.message);
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  Table t({"quantity", "value"});
  t.row({"lambda_min (smallest node)", num(r.lambda_min)});
  t.row({"lambda_max (largest node)", num(r.lambda_max)});
  t.row({"lambda_max / |lambda_min|", num(r.max_over_min, 4)});
  t.row({"negative mass below -" + num(d.negative_threshold, 3) + " lambda_max",
         num(r.negative_mass_beyond, 4) + " ± " + num(r.negative_mass_beyond_std_error, 2)});
  t.row({"negative mass below 0 (raw)",
         num(r.negative_mass, 4) + " ± " + num(r.negative_mass_std_error, 2)});
  t.row({"Kh_" + num(d.kh_power, 3) + " (LLA)", num(r.lla_kh, 4)});
  t.row({"smoothing sigma", num(r.sigma, 4)});
  t.row({"integral of the density", num(r.integral, 10)});
  std::printf("model  %s (%s)\n\n%s", session->model_label.c_str(), target.summary().c_str(),
              t.str().c_str());
  std::printf("\nslq: %zu runs of %d steps, %lld HVPs, %s s\n", r.nodes.size(), d.steps,
              static_cast<long long>(r.hvps), num(r.seconds, 3).c_str());
  return kExitOk;
}

}  // namespace hess::cli
