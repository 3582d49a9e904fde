// hessian sharpness: λmax, trace, ‖H‖_F, gradient overlap with the top-k eigenspace, average-case,
// worst-case (standard or adaptive, ℓ2 or ℓ∞) and Keskar's sharpness of a model's loss around its
// parameters (analyzers/sharpness.h), written to the /sharpness group of the result file.
#include <algorithm>
#include <cstdio>

#include "analyzers/sharpness.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/result_groups.h"
#include "tools/result_metadata.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

constexpr SharpnessMeasure kAllMeasures[] = {SharpnessMeasure::LambdaMax, SharpnessMeasure::Trace,
                                             SharpnessMeasure::Frobenius, SharpnessMeasure::Overlap,
                                             SharpnessMeasure::Average,   SharpnessMeasure::Worst,
                                             SharpnessMeasure::Keskar};

std::vector<SharpnessMeasure> parse_measures(const std::vector<std::string>& names) {
  std::vector<SharpnessMeasure> out;
  for (const std::string& n : names) {
    if (n == "all") {
      out.assign(std::begin(kAllMeasures), std::end(kAllMeasures));
      continue;
    }
    out.push_back(as_usage([&] { return parse_enum<SharpnessMeasure>(n); }));
  }
  return out;
}

// The result's measures: JSON keys, attributes of the result group and table rows.
void report(const SharpnessResult& r, const SharpnessOptions& so, Json& j, ResultGroup& g,
            Table& t) {
  auto scalar = [&](const std::string& key, double v) {
    j.set(key, v);
    g.attr(key, h5::Value(v));
  };
  auto integer = [&](const std::string& key, int64_t v) {
    j.set(key, v);
    g.attr(key, v);
  };
  if (r.lambda_max) {
    scalar("lambda_max", *r.lambda_max);
    scalar("lambda_max_residual", r.lambda_max_residual);
    t.row({"lambda_max", num(*r.lambda_max), "residual " + num(r.lambda_max_residual, 3)});
  }
  if (r.top_eigenvalues.size() > 0) {
    const std::vector<double> top(r.top_eigenvalues.data(),
                                  r.top_eigenvalues.data() + r.top_eigenvalues.size());
    j.set("top_eigenvalues", Json::array_of(top));
    g.write("top_eigenvalues", top);
  }
  if (r.trace) {
    scalar("trace", r.trace->value);
    integer("trace_products", so.trace_products);
    t.row({"trace", num(r.trace->value),
           "Hutch++, " + std::to_string(so.trace_products) + " products"});
  }
  if (r.frobenius) {
    scalar("frobenius", r.frobenius->value);
    scalar("frobenius_stderr", r.frobenius->std_error);
    t.row({"frobenius", num(r.frobenius->value),
           "± " + num(r.frobenius->std_error, 3) + " (" + std::to_string(so.frobenius_probes) +
               " probes)"});
  }
  if (r.overlap) {
    scalar("overlap", *r.overlap);
    integer("overlap_k", r.overlap_k);
    t.row({"overlap", num(*r.overlap), "|P_k g|^2/|g|^2, k " + std::to_string(r.overlap_k)});
  }
  if (r.average) {
    scalar("average", r.average->value);
    scalar("average_stderr", r.average->standard_error);
    scalar("average_sigma", r.average->sigma);
    integer("average_samples", r.average->samples);
    t.row({"average", num(r.average->value),
           "± " + num(r.average->standard_error, 3) + " (" + std::to_string(r.average->samples) +
               " samples)"});
  }
  if (r.worst) {
    scalar("worst", r.worst->value);
    scalar("worst_loss", r.worst->loss_max);
    scalar("worst_u_norm", r.worst->u_norm);
    integer("worst_steps", r.worst->steps);
    t.row({"worst", num(r.worst->value),
           "max loss " + num(r.worst->loss_max) + ", |u| " + num(r.worst->u_norm, 3)});
  }
  if (r.keskar) {
    scalar("keskar", r.keskar->value);
    scalar("keskar_epsilon", so.epsilon);
    t.row({"keskar", num(r.keskar->value), "epsilon " + num(so.epsilon, 3) + ", percent of 1 + L"});
  }
}

}  // namespace

int run_sharpness(const std::vector<std::string>& args) {
  CommonOptions o;
  SharpnessOptions so;
  std::vector<std::string> measures = {"all"};
  std::string ball = "l2";
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()(
      "measures", po::value(&measures)->multitoken()->value_name("NAME..."),
      "measures to compute: lambda_max trace frobenius overlap average worst keskar, or all "
      "(default)")("rho", po::value(&so.rho)->value_name("R")->default_value(so.rho, num(so.rho)),
                   "average and worst case: radius of the perturbation ball")(
      "ball", po::value(&ball)->value_name("l2|linf")->default_value(ball), "norm of the ball")(
      "adaptive", po::bool_switch(&so.adaptive),
      "adaptive sharpness: perturbations scaled by |theta| elementwise")(
      "draws", po::value(&so.samples)->value_name("N")->default_value(so.samples),
      "average case: Gaussian perturbations drawn")(
      "steps", po::value(&so.steps)->value_name("T")->default_value(so.steps),
      "worst case and keskar: gradient-ascent steps (one gradient pass each)")(
      "restarts", po::value(&so.restarts)->value_name("R")->default_value(so.restarts),
      "worst case and keskar: random starts")(
      "epsilon",
      po::value(&so.epsilon)->value_name("E")->default_value(so.epsilon, num(so.epsilon)),
      "keskar: the box is |y_i| <= E (|theta_i| + 1)")(
      "k", po::value(&so.k)->value_name("K")->default_value(so.k),
      "overlap: dimension of the top Hessian eigenspace (Lanczos)")(
      "eigen-tol",
      po::value(&so.eigen_tol)->value_name("TOL")->default_value(so.eigen_tol, num(so.eigen_tol)),
      "lambda_max and overlap: Lanczos relative residual tolerance")(
      "trace-products",
      po::value(&so.trace_products)->value_name("N")->default_value(so.trace_products),
      "trace: Hutch++ Hessian-vector products")(
      "frobenius-probes",
      po::value(&so.frobenius_probes)->value_name("N")->default_value(so.frobenius_probes),
      "frobenius: Hutchinson probes for |H|_F^2 = E|Hv|^2");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian sharpness --model model.h5 --data train.h5 --samples 1024\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures lambda_max overlap --k 10 "
      "--json\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures average worst --rho 0.05 "
      "--ball linf --adaptive\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures keskar --epsilon 5e-4\n";
  if (!parse_args("sharpness", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("sharpness", args);
  so.seed = o.seed;
  so.ball = as_usage([&] { return parse_enum<Ball>(ball); });
  so.measures = parse_measures(measures);
  as_usage([&] { so.validate(); });
  auto session = open_session(o, true);
  Objective& obj = *session->objective;
  const bool overlap = std::find(so.measures.begin(), so.measures.end(),
                                 SharpnessMeasure::Overlap) != so.measures.end();
  if (overlap && so.k > obj.num_params()) {
    throw UsageError("--k " + std::to_string(so.k) + " exceeds the model's " +
                     std::to_string(obj.num_params()) + " parameters");
  }
  ResultFile rf(o.out);
  ResultGroup& g = rf.group("sharpness");
  const SharpnessResult r = run(so, obj);

  Json j = Json::object();
  j.set("model", session->model_label)
      .set("data", session->data_label)
      .set("samples", obj.num_samples());
  j.set("loss", r.loss)
      .set("rho", so.rho)
      .set("ball", std::string(name_of(so.ball)))
      .set("adaptive", so.adaptive);
  std::vector<std::string> names;
  for (SharpnessMeasure m : so.measures) names.emplace_back(name_of(m));
  g.attr("measures", h5::Value(names));
  g.attr("loss", h5::Value(r.loss));
  g.attr("rho", h5::Value(so.rho));
  g.attr("ball", std::string(name_of(so.ball)).c_str());
  g.attr("adaptive", static_cast<int64_t>(so.adaptive));
  Table t({"measure", "value", "detail"});
  report(r, so, j, g, t);
  j.set("passes", r.passes)
      .set("gradients", r.gradients)
      .set("hvps", r.hvps)
      .set("seconds", r.seconds);
  j.set("status", std::string(name_of(r.status))).set("message", r.message);
  write_status(g, r.status, r.message);
  g.attr("passes", r.passes);
  g.attr("gradients", r.gradients);
  rf.commit(result_metadata(*session, o, r.seconds));
  j.set("out", o.out);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("model  %s\nloss   %s\nball   %s%s, rho %s\n\n%s", session->model_label.c_str(),
                num(r.loss, 8).c_str(), so.adaptive ? "adaptive " : "",
                std::string(name_of(so.ball)).c_str(), num(so.rho, 4).c_str(), t.str().c_str());
    std::printf("\n%lld passes (%lld gradients), %lld HVPs, %s s; results in %s:/sharpness\n",
                static_cast<long long>(r.passes), static_cast<long long>(r.gradients),
                static_cast<long long>(r.hvps), num(r.seconds, 4).c_str(), o.out.c_str());
  }
  if (r.status != Status::Ok) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  return kExitOk;
}

}  // namespace hess::cli
