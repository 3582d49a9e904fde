// hessian roughness: the roughness index of Wu et al. around a model's parameters
// (analyzers/roughness.h), or at each checkpoint of a training run (--along GLOB), written to the
// /roughness group of the result file.
#include <cstdio>

#include "analyzers/directions.h"
#include "analyzers/roughness.h"
#include "analyzers/stopwatch.h"
#include "io/checkpoint_series.h"
#include "io/sha256.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/point_workers.h"
#include "tools/progress.h"
#include "tools/result_groups.h"
#include "tools/result_metadata.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

// One result's summary: loss, mu, sigma, ri, tv, flat_profiles, passes, seconds, status, message.
void set_summary(Json& j, const RoughnessResult& r) {
  j.set("loss", r.loss).set("mu", r.mu).set("sigma", r.sigma).set("ri", r.ri);
  j.set("tv", Json::array_of(r.tv)).set("flat_profiles", r.flat_profiles);
  j.set("passes", r.passes).set("seconds", r.seconds);
  j.set("status", std::string(name_of(r.status))).set("message", r.message);
}

// The settings, on the result group and in the JSON summary.
void set_settings(Json& j, ResultGroup& g, const RoughnessOptions& ro, size_t threads) {
  const std::string norm(name_of(ro.normalization));
  j.set("directions", ro.directions).set("points", ro.points).set("radius", ro.radius);
  j.set("norm", norm).set("include_1d", ro.include_1d);
  j.set("threads", static_cast<int64_t>(threads));
  g.attr("directions", ro.directions);
  g.attr("points", ro.points);
  g.attr("radius", h5::Value(ro.radius));
  g.attr("norm", norm.c_str());
  g.attr("include_1d", static_cast<int64_t>(ro.include_1d));
  g.write("t", roughness_grid(ro.points, ro.radius));
}

void warn(const std::string& where, const RoughnessResult& r) {
  if (r.status != Status::Ok) {
    std::fprintf(stderr, "hessian: warning: %s%s\n", where.c_str(), r.message.c_str());
  }
}

struct Along {
  std::vector<Checkpoint> checkpoints;
  std::vector<RoughnessResult> results;
};

// Roughness at each checkpoint: the session holds the first one's model; the others must have its
// graph. The same seed draws the same Gaussian directions at every checkpoint (normalized to each
// checkpoint's θ).
Along roughness_along(Session& session, PointWorkers& workers, const RoughnessOptions& ro,
                      std::vector<Checkpoint> checkpoints, bool quiet) {
  Along a;
  a.checkpoints = std::move(checkpoints);
  Progress progress(static_cast<int64_t>(a.checkpoints.size()), quiet);
  for (size_t i = 0; i < a.checkpoints.size(); ++i) {
    progress.update(static_cast<int64_t>(i),
                    "checkpoints, at step " + std::to_string(a.checkpoints[i].step));
    if (i > 0) {
      const Checkpoint& c = a.checkpoints[i];
      ModelFile mf = read_checkpoint(c);
      try {
        check_same_graph(session.model.graph, mf.model.graph);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(c.label() + ": not the model of " + a.checkpoints[0].label() +
                                 ": " + e.what());
      }
      for (Objective* w : workers.pointers) w->set_parameters(mf.model.theta);
    }
    a.results.push_back(run(ro, workers.pointers));
  }
  progress.finish();
  return a;
}

int along_command(CommonOptions& o, const RoughnessOptions& ro, const std::string& glob) {
  if (!o.model.empty() || !o.arch.empty()) {
    throw UsageError("--along takes the models from the checkpoints: give no --model or --arch");
  }
  std::vector<Checkpoint> checkpoints = list_checkpoints(glob);
  ModelFile first = read_checkpoint(checkpoints[0]);
  auto session = open_session(o, std::move(first.model), glob, "");
  PointWorkers workers = make_point_workers(*session);
  ResultFile rf(o.out);
  ResultGroup& g = rf.group("roughness");
  const Stopwatch clock;
  const Along a = roughness_along(*session, workers, ro, std::move(checkpoints), o.quiet);
  const double seconds = clock.seconds();

  const size_t C = a.checkpoints.size(), M = ro.directions, T = ro.points + 1;
  Json j = Json::object();
  j.set("along", glob).set("data", session->data_label);
  j.set("samples", session->objective->num_samples());
  set_settings(j, g, ro, workers.pointers.size());
  std::vector<int64_t> steps;
  std::vector<std::string> labels, hashes, statuses;
  std::vector<double> loss, mu, sigma, ri, tv, profiles;
  Json list = Json::array();
  Table t({"step", "loss", "mu", "sigma", "RI"});
  for (size_t i = 0; i < C; ++i) {
    const Checkpoint& c = a.checkpoints[i];
    const RoughnessResult& r = a.results[i];
    steps.push_back(c.step);
    labels.push_back(c.label());
    statuses.emplace_back(name_of(r.status));
    hashes.push_back(sha256_file(c.file));
    loss.push_back(r.loss);
    mu.push_back(r.mu);
    sigma.push_back(r.sigma);
    ri.push_back(r.ri);
    tv.insert(tv.end(), r.tv.begin(), r.tv.end());
    profiles.insert(profiles.end(), r.profiles.begin(), r.profiles.end());
    Json e = Json::object();
    e.set("step", c.step).set("checkpoint", c.label());
    set_summary(e, r);
    list.push(std::move(e));
    t.row({std::to_string(c.step), num(r.loss), num(r.mu), num(r.sigma), num(r.ri)});
  }
  g.attr("along", glob.c_str());
  g.write("steps", steps);
  g.write("checkpoints", labels);
  g.write("checkpoint_sha256", hashes);
  g.write("loss", loss);
  g.write("mu", mu);
  g.write("sigma", sigma);
  g.write("ri", ri);
  g.write("status", statuses);
  g.write("tv", tv.data(), {static_cast<int64_t>(C), static_cast<int64_t>(M)});
  g.write("profiles", profiles.data(),
          {static_cast<int64_t>(C), static_cast<int64_t>(M), static_cast<int64_t>(T)});
  rf.commit(result_metadata(*session, o, seconds));
  j.set("checkpoints", std::move(list)).set("seconds", seconds).set("out", o.out);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("along  %s (%zu checkpoints)\n%d directions (%s), %d points on [-%s, %s]\n\n%s",
                glob.c_str(), C, ro.directions, std::string(name_of(ro.normalization)).c_str(),
                ro.points, num(ro.radius, 4).c_str(), num(ro.radius, 4).c_str(), t.str().c_str());
    std::printf("\n%s s; results in %s:/roughness\n", num(seconds, 4).c_str(), o.out.c_str());
  }
  for (size_t i = 0; i < C; ++i) warn(a.checkpoints[i].label() + ": ", a.results[i]);
  return kExitOk;
}

}  // namespace

int run_roughness(const std::vector<std::string>& args) {
  CommonOptions o;
  RoughnessOptions ro;
  std::string norm = "filter";
  std::string along;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()("directions",
                     po::value(&ro.directions)->value_name("M")->default_value(ro.directions),
                     "random directions (profiles)")(
      "points", po::value(&ro.points)->value_name("m")->default_value(ro.points),
      "intervals per profile: t_k = -l + k 2l/m, k = 0..m")(
      "radius", po::value(&ro.radius)->value_name("l")->default_value(ro.radius, num(ro.radius)),
      "half-width l of each profile")(
      "norm", po::value(&norm)->value_name("filter|layer|none")->default_value(norm),
      "direction normalization")("include-1d", po::bool_switch(&ro.include_1d),
                                 "perturb biases and norm parameters too")(
      "along", po::value(&along)->value_name("GLOB"),
      "the roughness index at each checkpoint of a training run (model files matched by GLOB, a "
      "folder or a checkpoint series file), in step order; replaces --model");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian roughness --arch mlp:784-128-10 --samples 1024\n"
      "  hessian roughness --model model.h5 --data train.h5 --directions 100 --points 20 --radius "
      "0.1 --json\n"
      "  hessian roughness --along run/checkpoints --data train.h5 --samples "
      "1024\n";
  if (!parse_args("roughness", args, desc,
                  "(--model FILE | --arch SPEC | --along GLOB) [--data FILE] [options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("roughness", args);
  ro.seed = o.seed;
  ro.normalization = as_usage([&] { return parse_enum<Normalization>(norm); });
  as_usage([&] { ro.validate(); });
  if (!along.empty()) return along_command(o, ro, along);

  auto session = open_session(o, true);
  PointWorkers workers = make_point_workers(*session);
  ResultFile rf(o.out);
  ResultGroup& g = rf.group("roughness");
  const RoughnessResult r = run(ro, workers.pointers);

  Json j = Json::object();
  j.set("model", session->model_label).set("data", session->data_label);
  j.set("samples", session->objective->num_samples());
  set_settings(j, g, ro, workers.pointers.size());
  set_summary(j, r);
  g.attr("loss", h5::Value(r.loss));
  g.attr("mu", h5::Value(r.mu));
  g.attr("sigma", h5::Value(r.sigma));
  g.attr("ri", h5::Value(r.ri));
  g.attr("flat_profiles", r.flat_profiles);
  write_status(g, r.status, r.message);
  g.write("tv", r.tv);
  g.write("profiles", r.profiles.data(),
          {static_cast<int64_t>(ro.directions), static_cast<int64_t>(r.t.size())});
  rf.commit(result_metadata(*session, o, r.seconds));
  j.set("out", o.out);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    Table t({"quantity", "value"});
    t.row({"mu (mean TV)", num(r.mu)});
    t.row({"sigma (std TV)", num(r.sigma)});
    t.row({"RI = sigma/mu", num(r.ri)});
    std::printf("model  %s\nloss   %s\n%d directions (%s), %d points on [-%s, %s]\n\n%s",
                session->model_label.c_str(), num(r.loss, 8).c_str(), ro.directions,
                std::string(name_of(ro.normalization)).c_str(), ro.points,
                num(ro.radius, 4).c_str(), num(ro.radius, 4).c_str(), t.str().c_str());
    std::printf("\n%lld passes, %s s; results in %s:/roughness\n", static_cast<long long>(r.passes),
                num(r.seconds, 4).c_str(), o.out.c_str());
  }
  warn("", r);
  return kExitOk;
}

}  // namespace hess::cli
