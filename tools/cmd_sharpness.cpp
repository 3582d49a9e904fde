// hessian sharpness: average-case, worst-case (standard or adaptive, ℓ2 or ℓ∞) and Keskar's
// sharpness of a model's loss around its parameters (analyzers/sharpness.h).
#include <cstdio>

#include "analyzers/sharpness.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_sharpness(const std::vector<std::string>& args) {
  CommonOptions o;
  SharpnessOptions so;
  std::vector<std::string> measures = {"average", "worst", "keskar"};
  std::string ball = "l2";
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()("measures", po::value(&measures)->multitoken()->value_name("NAME..."),
                     "measures to compute: average worst keskar (default: all three)")(
      "rho", po::value(&so.rho)->value_name("R")->default_value(so.rho),
      "radius of the perturbation ball")(
      "ball", po::value(&ball)->value_name("l2|linf")->default_value(ball), "norm of the ball")(
      "adaptive", po::bool_switch(&so.adaptive),
      "adaptive sharpness: perturbations scaled by |theta| elementwise")(
      "draws", po::value(&so.samples)->value_name("N")->default_value(so.samples),
      "average case: Gaussian perturbations drawn")(
      "steps", po::value(&so.steps)->value_name("T")->default_value(so.steps),
      "worst case and keskar: gradient-ascent steps (one gradient pass each)")(
      "restarts", po::value(&so.restarts)->value_name("R")->default_value(so.restarts),
      "worst case and keskar: random starts")(
      "epsilon", po::value(&so.epsilon)->value_name("E")->default_value(so.epsilon),
      "keskar: the box is |y_i| <= E (|theta_i| + 1)");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian sharpness --arch mlp:784-128-10 --samples 1024\n"
      "  hessian sharpness --model model.h5 --data train.h5 --rho 0.05 --ball linf --adaptive "
      "--json\n"
      "  hessian sharpness --model model.h5 --data train.h5 --measures keskar --epsilon 5e-4\n";
  if (!parse_args("sharpness", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  so.seed = o.seed;
  so.ball = as_usage([&] { return ball_from_name(ball); });
  so.measures.clear();
  for (const std::string& m : measures) {
    const SharpnessMeasure k = as_usage([&] { return sharpness_measure_from_name(m); });
    if (k == SharpnessMeasure::Overlap)
      throw UsageError("--measures: overlap needs the eigen analyzer, not in this build");
    so.measures.push_back(k);
  }
  as_usage([&] { so.validate(); });
  auto session = open_session(o, true);
  Objective& obj = *session->objective;
  const SharpnessResult r = run(so, obj);

  Json j = Json::object();
  j.set("model", session->model_label)
      .set("data", session->data_label)
      .set("samples", obj.num_samples());
  j.set("loss", r.loss)
      .set("rho", so.rho)
      .set("ball", std::string(ball_name(so.ball)))
      .set("adaptive", so.adaptive);
  Table t({"measure", "value", "detail"});
  if (r.average) {
    j.set("average", r.average->value).set("average_stderr", r.average->standard_error);
    j.set("average_sigma", r.average->sigma).set("average_samples", r.average->samples);
    t.row({"average", num(r.average->value),
           "± " + num(r.average->standard_error, 3) + " (" + std::to_string(r.average->samples) +
               " samples)"});
  }
  if (r.worst) {
    j.set("worst", r.worst->value)
        .set("worst_loss", r.worst->loss_max)
        .set("worst_steps", r.worst->steps);
    t.row({"worst", num(r.worst->value),
           "max loss " + num(r.worst->loss_max) + ", |u| " + num(r.worst->u_norm, 3)});
  }
  if (r.keskar) {
    j.set("keskar", r.keskar->value).set("keskar_epsilon", so.epsilon);
    t.row({"keskar", num(r.keskar->value), "epsilon " + num(so.epsilon, 3) + ", percent of 1 + L"});
  }
  j.set("passes", r.passes).set("gradients", r.gradients).set("seconds", r.seconds);
  j.set("status", std::string(status_name(r.status))).set("message", r.message);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("model  %s\nloss   %s\nball   %s%s, rho %s\n\n%s", session->model_label.c_str(),
                num(r.loss, 8).c_str(), so.adaptive ? "adaptive " : "",
                std::string(ball_name(so.ball)).c_str(), num(so.rho, 4).c_str(), t.str().c_str());
    std::printf("\n%lld passes (%lld gradients), %s s\n", static_cast<long long>(r.passes),
                static_cast<long long>(r.gradients), num(r.seconds, 3).c_str());
    if (r.status != Status::Ok) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  }
  return kExitOk;
}

}  // namespace hess::cli
