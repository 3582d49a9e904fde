#include "runs/roughness_run.h"

#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "io/checkpoint_series.h"
#include "io/sha256.h"
#include "runs/observed_objective.h"
#include "runs/resources.h"

namespace hess::runs {

namespace {
constexpr int64_t kBytesPerProfileValue = 4 * sizeof(double);
}  // namespace

namespace {

// The settings, on the result group and in the summary.
void describe_settings(Record& rec, const RoughnessOptions& ro, size_t threads) {
  rec.add("directions", ro.directions);
  rec.add("points", ro.points);
  rec.add("radius", ro.radius);
  rec.add("norm", name_of(ro.normalization));
  rec.add("include_1d", ro.include_1d);
  rec.add("workers", static_cast<int64_t>(threads)).only(kJson);
  rec.add("t", roughness_grid(ro.points, ro.radius)).only(kDataset);
}

std::string settings_line(const RoughnessOptions& ro) {
  return std::to_string(ro.directions) + " directions (" + std::string(name_of(ro.normalization)) +
         "), " + std::to_string(ro.points) + " points on [-" + significant(ro.radius, 4) + ", " +
         significant(ro.radius, 4) + "]";
}

void warn_status(Observer& observer, const std::string& where, const RoughnessResult& r) {
  if (r.status != Status::Ok) observer.warn(where + r.message);
}

int64_t passes_per_model(const RoughnessOptions& ro) {
  return static_cast<int64_t>(ro.directions) * (ro.points + 1) + 1;
}

Record one_model(const RoughnessRun& run, const RoughnessOptions& ro, Observer& observer) {
  auto ws = open_workspace(run.inputs, observer);
  PassCounter passes(observer, passes_per_model(ro));
  ObservedWorkers workers(ws->point_objectives(/*divide_among_ranks=*/true), passes);
  ResultFile rf(run.output.out);
  const RoughnessResult r = hess::run(ro, workers.pointers);
  observer.finished();
  Record rec;
  describe_settings(rec, ro, workers.pointers.size());
  rec.add("loss", r.loss).head("loss");
  rec.add("tv_mean", r.mu).show("mu (mean TV)");
  rec.add("tv_std", r.sigma).show("sigma (std TV)");
  rec.add("ri", r.ri).show("RI = sigma/mu");
  rec.add("flat_profiles", r.flat_profiles);
  rec.add("tv", r.tv);
  rec.add("profiles", Matrix{{ro.directions, static_cast<int64_t>(r.t.size())}, r.profiles})
      .only(kDataset);
  rec.add("passes", r.passes);
  describe_status(rec, r.status, r.message);
  commit_group(rf, "roughness", rec, ws->metadata(run.output.command_line, 0, r.seconds));
  describe_run(rec, *ws, run.output, 0, r.seconds);
  rec.add("settings", settings_line(ro)).only(0).head("profiles");
  rec.footer = std::to_string(r.passes) + " passes, " + significant(r.seconds, 4) +
               " s; results in " + run.output.out + ":/roughness";
  warn_status(observer, "", r);
  return rec;
}

Record along_run(const RoughnessRun& run, const RoughnessOptions& ro, Observer& observer) {
  if (!run.inputs.model.empty() || !run.inputs.arch.empty())
    throw FieldError("along", "takes the models from the checkpoints: give no {model} or {arch}");
  const std::vector<Checkpoint> checkpoints = list_checkpoints(run.along);
  ModelFile first = read_checkpoint(checkpoints[0]);
  auto ws = open_workspace(run.inputs, std::move(first.model), run.along, "", observer);
  PassCounter passes(observer, passes_per_model(ro) * static_cast<int64_t>(checkpoints.size()));
  ObservedWorkers workers(ws->point_objectives(/*divide_among_ranks=*/true), passes);
  ResultFile rf(run.output.out);
  const Stopwatch clock;
  const size_t C = checkpoints.size();
  std::vector<int64_t> steps;
  std::vector<std::string> labels, hashes, statuses, messages;
  std::vector<double> loss, mu, sigma, ri, seconds;
  std::vector<int64_t> flat, pass_counts;
  std::vector<std::vector<double>> tv;
  std::vector<double> profiles;
  for (size_t i = 0; i < C; ++i) {
    const Checkpoint& c = checkpoints[i];
    if (i > 0) {
      ModelFile mf = read_checkpoint(c);
      try {
        check_same_graph(ws->model().graph, mf.model.graph);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(c.label() + ": not the model of " + checkpoints[0].label() + ": " +
                                 e.what());
      }
      for (Objective* w : workers.pointers) w->set_parameters(mf.model.theta);
    }
    const RoughnessResult r = hess::run(ro, workers.pointers);
    warn_status(observer, c.label() + ": ", r);
    steps.push_back(c.step);
    labels.push_back(c.label());
    hashes.push_back(sha256_file(c.file));
    statuses.emplace_back(name_of(r.status));
    messages.push_back(r.message);
    loss.push_back(r.loss);
    mu.push_back(r.mu);
    sigma.push_back(r.sigma);
    ri.push_back(r.ri);
    flat.push_back(r.flat_profiles);
    pass_counts.push_back(r.passes);
    seconds.push_back(r.seconds);
    tv.push_back(r.tv);
    profiles.insert(profiles.end(), r.profiles.begin(), r.profiles.end());
  }
  observer.finished();
  const double total_seconds = clock.seconds();
  Record rec;
  rec.add("along", run.along);
  describe_settings(rec, ro, workers.pointers.size());
  Rows& table = rec.rows("checkpoints");
  table.column("step", "steps", "step", steps);
  table.column("checkpoint", "checkpoints", "", labels);
  table.column("", "checkpoint_sha256", "", hashes);
  table.column("loss", "loss", "loss", loss);
  table.column("tv_mean", "tv_mean", "tv_mean", mu);
  table.column("tv_std", "tv_std", "tv_std", sigma);
  table.column("ri", "ri", "RI", ri);
  table.column("tv", "tv", "", tv);
  table.column("flat_profiles", "", "", flat);
  table.column("passes", "", "", pass_counts);
  table.column("seconds", "", "", seconds);
  table.column("status", "status", "", statuses);
  table.column("message", "", "", messages);
  rec.add("profiles", Matrix{{static_cast<int64_t>(C), ro.directions, ro.points + 1}, profiles})
      .only(kDataset);
  commit_group(rf, "roughness", rec, ws->metadata(run.output.command_line, 0, total_seconds));
  describe_run(rec, *ws, run.output, 0, total_seconds);
  rec.add("settings", settings_line(ro)).only(0).head("profiles");
  rec.footer = significant(total_seconds, 4) + " s; results in " + run.output.out + ":/roughness";
  return rec;
}

}  // namespace

Record roughness(const RoughnessRun& run, Observer& observer) {
  RoughnessOptions ro = run.roughness;
  ro.seed = run.inputs.seed;
  ro.validate();
  // Every profile's values are kept (and written): directions x (points + 1) doubles, a few copies.
  check_memory(
      static_cast<int64_t>(ro.directions) * (ro.points + 1) * kBytesPerProfileValue, "points",
      std::to_string(ro.points) + " (with " + std::to_string(ro.directions) + " directions)",
      "fewer {points} or {directions}");
  return run.along.empty() ? one_model(run, ro, observer) : along_run(run, ro, observer);
}

}  // namespace hess::runs
