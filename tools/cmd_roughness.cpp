// hessian roughness: the roughness index of Wu et al. around a model's parameters
// (analyzers/roughness.h).
#include <cstdio>

#include "analyzers/roughness.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/point_workers.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

int run_roughness(const std::vector<std::string>& args) {
  CommonOptions o;
  RoughnessOptions ro;
  std::string norm = "filter";
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()("directions",
                     po::value(&ro.directions)->value_name("M")->default_value(ro.directions),
                     "random directions (profiles)")(
      "points", po::value(&ro.points)->value_name("m")->default_value(ro.points),
      "intervals per profile: t_k = -l + k 2l/m, k = 0..m")(
      "radius", po::value(&ro.radius)->value_name("l")->default_value(ro.radius),
      "half-width l of each profile")(
      "norm", po::value(&norm)->value_name("filter|layer|none")->default_value(norm),
      "direction normalization")("include-1d", po::bool_switch(&ro.include_1d),
                                 "perturb biases and norm parameters too");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian roughness --arch mlp:784-128-10 --samples 1024\n"
      "  hessian roughness --model model.h5 --data train.h5 --directions 100 --points 20 --radius "
      "0.1 --json\n";
  if (!parse_args("roughness", args, desc, "(--model FILE | --arch SPEC) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  ro.seed = o.seed;
  ro.normalization = as_usage([&] { return normalization_from_name(norm); });
  as_usage([&] { ro.validate(); });
  auto session = open_session(o, true);
  PointWorkers workers = make_point_workers(*session);
  const RoughnessResult r = run(ro, workers.pointers);

  Json j = Json::object();
  j.set("model", session->model_label).set("data", session->data_label);
  j.set("samples", session->objective->num_samples()).set("loss", r.loss);
  j.set("mu", r.mu).set("sigma", r.sigma).set("ri", r.ri).set("tv", Json::array_of(r.tv));
  j.set("directions", ro.directions).set("points", ro.points).set("radius", ro.radius);
  j.set("norm", std::string(normalization_name(ro.normalization)))
      .set("flat_profiles", r.flat_profiles);
  j.set("passes", r.passes)
      .set("seconds", r.seconds)
      .set("threads", static_cast<int64_t>(workers.pointers.size()));
  j.set("status", std::string(status_name(r.status))).set("message", r.message);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    Table t({"quantity", "value"});
    t.row({"mu (mean TV)", num(r.mu)});
    t.row({"sigma (std TV)", num(r.sigma)});
    t.row({"RI = sigma/mu", num(r.ri)});
    std::printf("model  %s\nloss   %s\n%d directions (%s), %d points on [-%s, %s]\n\n%s",
                session->model_label.c_str(), num(r.loss, 8).c_str(), ro.directions,
                std::string(normalization_name(ro.normalization)).c_str(), ro.points,
                num(ro.radius, 4).c_str(), num(ro.radius, 4).c_str(), t.str().c_str());
    std::printf("\n%lld passes, %s s\n", static_cast<long long>(r.passes),
                num(r.seconds, 3).c_str());
    if (r.status != Status::Ok) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  }
  return kExitOk;
}

}  // namespace hess::cli
