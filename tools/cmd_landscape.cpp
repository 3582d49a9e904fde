// hessian landscape: 1-D and 2-D loss landscapes around a model (analyzers/landscape.h) along
// random filter-normalized directions, with the surface handed out as points complete, stopped
// cleanly by SIGTERM/SIGINT, and exported to ParaView.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyzers/directions.h"
#include "analyzers/landscape.h"
#include "io/vtk_surface.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/point_workers.h"
#include "tools/session.h"
#include "tools/stop_signal.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

// loss-landscape stores accuracies in percent.
constexpr double kPercent = 100.0;

struct LandscapeFlags {
  std::string x = "-1:1:51", y;
  std::string dirs = "random", norm = "filter";
  bool include_1d = false;
  std::string vtk;
  double vtk_zmax = 0.0;
  bool vtk_log = false;
};

LandscapeDirections make_directions(DirectionKind kind, Normalization norm, bool include_1d,
                                    bool two_d, const Model& model, uint64_t seed) {
  LandscapeDirections d;
  if (kind != DirectionKind::Random) {
    throw UsageError("--dirs " + std::string(direction_kind_name(kind)) +
                     " is not available in this build yet");
  }
  const Rng rng(seed);
  d.x = random_direction(model.graph, model.theta, norm, include_1d, rng.split(0));
  if (two_d) d.y = random_direction(model.graph, model.theta, norm, include_1d, rng.split(1));
  return d;
}

std::vector<double> percent(std::vector<double> acc) {
  for (double& a : acc) {
    if (a != kNotComputed) a *= kPercent;
  }
  return acc;
}

}  // namespace

int run_landscape(const std::vector<std::string>& args) {
  CommonOptions o;
  LandscapeFlags f;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()("x", po::value(&f.x)->value_name("MIN:MAX:N")->default_value(f.x),
                     "x axis: N points from MIN to MAX")(
      "y", po::value(&f.y)->value_name("MIN:MAX:N"), "y axis (a 2-D landscape)")(
      "dirs", po::value(&f.dirs)->value_name("random")->default_value(f.dirs),
      "where the axes come from")(
      "norm", po::value(&f.norm)->value_name("filter|layer|none")->default_value(f.norm),
      "normalization of random directions")("include-1d", po::bool_switch(&f.include_1d),
                                            "perturb biases and norm parameters too")(
      "vtk", po::value(&f.vtk)->value_name("FILE.vtp"), "also write the 2-D surface for ParaView")(
      "vtk-zmax", po::value(&f.vtk_zmax)->value_name("Z"), "clip the VTK heights at Z")(
      "vtk-log", po::bool_switch(&f.vtk_log), "VTK heights log(loss + 0.1)");
  add_output_flags(desc, o, "results.h5");
  const char* examples =
      "  hessian landscape --arch mlp:784-128-10 --x -1:1:51 --y -1:1:51\n"
      "  hessian landscape --model model.h5 --data train.h5 --x -1:1:51 --y -1:1:51 --vtk "
      "surface.vtp\n";
  if (!parse_args(
          "landscape", args, desc,
          "(--model FILE | --arch SPEC) [--data FILE] --x MIN:MAX:N [--y MIN:MAX:N] [options]",
          examples)) {
    return kExitOk;
  }
  LandscapeOptions lo;
  lo.x = as_usage([&] { return parse_axis(f.x, "--x"); });
  if (!f.y.empty()) lo.y = as_usage([&] { return parse_axis(f.y, "--y"); });
  const DirectionKind kind = as_usage([&] { return direction_kind_from_name(f.dirs); });
  const Normalization norm = as_usage([&] { return normalization_from_name(f.norm); });
  if (!f.vtk.empty() && !lo.y)
    throw UsageError("--vtk: a ParaView surface needs a 2-D landscape (--y)");
  if (f.vtk_zmax < 0) throw UsageError("--vtk-zmax must be positive");

  auto session = open_session(o, true);
  const LandscapeDirections dirs =
      make_directions(kind, norm, f.include_1d, lo.y.has_value(), session->model, o.seed);
  PointWorkers workers = make_point_workers(*session);
  StopSignal stop;
  LandscapeHooks hooks;
  hooks.cancel = &stop.flag();
  const LandscapeResult r = run(lo, dirs, workers.pointers, hooks);
  if (stop.received()) {
    throw std::runtime_error("interrupted by " + stop.name() + " after " +
                             std::to_string(r.evaluated) + " new points");
  }
  const Surface& s = r.surface;
  if (!f.vtk.empty()) {
    VtkSurface v{s.x.coordinates(),
                 s.y->coordinates(),
                 {{"train_loss", s.loss}, {"train_acc", percent(s.accuracy)}}};
    VtkOptions vo;
    vo.zmax = f.vtk_zmax;
    vo.log = f.vtk_log;
    write_vtk_surface(f.vtk, v, vo);
  }

  double lo_loss = INFINITY, hi_loss = -INFINITY;
  for (double v : s.loss) {
    if (std::isfinite(v)) {
      lo_loss = std::min(lo_loss, v);
      hi_loss = std::max(hi_loss, v);
    }
  }
  Json j = Json::object();
  j.set("model", session->model_label).set("data", session->data_label);
  j.set("samples", session->objective->num_samples());
  j.set("dirs", std::string(direction_kind_name(kind)))
      .set("norm", std::string(normalization_name(norm)));
  j.set("x", axis_spec(s.x)).set("nx", s.nx()).set("ny", s.ny());
  if (s.y) j.set("y", axis_spec(*s.y));
  j.set("evaluated_points", r.evaluated)
      .set("resumed_points", r.resumed)
      .set("non_finite_points", r.non_finite);
  j.set("min_loss", lo_loss).set("max_loss", hi_loss);
  j.set("passes", r.passes)
      .set("seconds", r.seconds)
      .set("threads", static_cast<int64_t>(workers.pointers.size()));
  j.set("status", std::string(status_name(r.status))).set("message", r.message);
  if (!f.vtk.empty()) j.set("vtk", f.vtk);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("model   %s\nsurface %s x %s (%s, %s), %lld points evaluated, %lld resumed\n",
              session->model_label.c_str(), std::to_string(s.nx()).c_str(),
              std::to_string(s.ny()).c_str(), std::string(direction_kind_name(kind)).c_str(),
              std::string(normalization_name(norm)).c_str(), static_cast<long long>(r.evaluated),
              static_cast<long long>(r.resumed));
  std::printf("loss    %s .. %s\n%lld passes, %s s on %zu threads\n", num(lo_loss).c_str(),
              num(hi_loss).c_str(), static_cast<long long>(r.passes), num(r.seconds, 3).c_str(),
              workers.pointers.size());
  if (r.status != Status::Ok) std::fprintf(stderr, "hessian: warning: %s\n", r.message.c_str());
  return kExitOk;
}

}  // namespace hess::cli
