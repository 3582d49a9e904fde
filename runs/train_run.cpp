#include "runs/train_run.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

#include "analyzers/eos.h"
#include "dist/cluster.h"
#include "engine/blas_threads.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/numerical_error.h"
#include "engine/trainer.h"
#include "io/atomic_output.h"
#include "io/model_file.h"
#include "io/run_directory.h"
#include "io/train_log.h"
#include "runs/eos_series.h"
#include "runs/output.h"

namespace hess::runs {

namespace fs = std::filesystem;

namespace {

constexpr double kDefaultLr = 0.1;
constexpr double kDefaultAdamLr = 0.001;
constexpr double kFlushSeconds = 2.0;  // the log reaches the file at least this often
constexpr double kPercent = 100.0;

Fingerprint settings_of(const TrainRun& run, const TrainOptions& t, const std::string& model_label,
                        int64_t samples, int64_t sharpness_samples) {
  const OptimizerOptions& op = t.optimizer;
  Fingerprint f;
  f.add("model", model_label)
      .add("loss", std::string(name_of(run.inputs.loss)))
      .add("data", fs::absolute(run.inputs.data).lexically_normal().string())
      .add("samples", samples)
      .add("seed", run.inputs.seed);
  // Only when it differs: runs before --data-seed drew their subset from the seed.
  if (run.inputs.analysis_seed() != run.inputs.seed) f.add("data_seed", run.inputs.analysis_seed());
  f.add("optimizer", std::string(name_of(op.kind)))
      .add("lr", op.lr)
      .add("batch_size", run.inputs.batch_size)
      .add("weight_decay", t.weight_decay)
      .add("precision", std::string(name_of(run.inputs.precision)))
      .add("threads", static_cast<int64_t>(t.threads));
  if (op.kind == OptimizerKind::Momentum || op.kind == OptimizerKind::Nesterov)
    f.add("momentum", op.momentum);
  if (op.kind == OptimizerKind::Adam) {
    f.add("beta1", op.beta1).add("beta2", op.beta2).add("epsilon", op.epsilon);
  }
  if (run.sharpness.every > 0) {
    f.add("sharpness_every", run.sharpness.every)
        .add("sharpness_k", run.sharpness.k)
        .add("sharpness_samples", sharpness_samples);
  }
  return f;
}

// The series kept in the log of a run resumed at step `step`, and the warm start kept with its
// checkpoint; the tracker continues from them.
EosSeries resumed_series(const std::string& log, const Checkpoint& at, int64_t params,
                         EosTracker& tracker) {
  EosSeries s;
  {
    const h5::File f = h5::File::open_read(log);
    if (!f.has_group(TrainLog::kSharpnessGroup)) return s;
    s = read_eos_series(f.group(TrainLog::kSharpnessGroup));
  }
  s.keep_until(at.step);
  const WarmStart w = read_warm_start(at, params);
  Eigen::MatrixXd warm;
  if (w.k > 0 && s.size() > 0 && w.step == s.step.back())
    warm = Eigen::Map<const Eigen::MatrixXd>(w.vectors.data(), params, w.k);
  tracker.resume(s.samples_to_derive(), warm);
  return s;
}

// The series' record in the log: its settings, rows and derived quantities.
Record log_record(const EosSeries& s) {
  Record r;
  describe_eos_settings(r, s);
  describe_eos_series(r, s, "series", kDataset);
  return r;
}

WarmStart warm_start_of(const EosTracker& t, const EosSeries& s) {
  WarmStart w;
  const Eigen::MatrixXd& v = t.warm_vectors();
  if (v.size() == 0 || s.size() == 0) return w;
  w.step = s.step.back();
  w.k = v.cols();
  w.vectors.assign(v.data(), v.data() + v.size());
  return w;
}

}  // namespace

double default_learning_rate(OptimizerKind kind) {
  return kind == OptimizerKind::Adam ? kDefaultAdamLr : kDefaultLr;
}

void SharpnessTracking::validate() const {
  if (every < 0) throw FieldError("sharpness_every", "must be non-negative (0: off)");
  if (k < 1) throw FieldError("sharpness_k", "must be at least 1");
  if (samples < 0) throw FieldError("sharpness_samples", "must be positive (0: the default)");
}

void TrainRun::validate() const {
  sharpness.validate();
  if (dir.empty()) throw FieldError("dir", "is missing: give the run directory");
  if (inputs.data.empty()) throw FieldError("data", "is missing: give the training data file");
  if (steps < 0 || epochs < 0) throw FieldError("steps", "and {epochs} must be positive");
  if ((steps > 0) == (epochs > 0))
    throw FieldError("steps", "or {epochs}: give one of them (a positive count)");
  if (checkpoint_every < 0) throw FieldError("checkpoint_every", "must be non-negative");
  if (lr && !(std::isfinite(*lr) && *lr > 0))
    throw FieldError("lr", "(learning rate) must be positive and finite, got " + significant(*lr));
  if (resume && !holds_run(dir)) throw FieldError("resume", ": " + dir + " holds no training run");
  if (!resume && holds_run(dir)) {
    throw FieldError("dir", ": " + dir +
                                " already holds a training run; add {resume} to continue it or "
                                "choose another directory");
  }
}

Record train(const TrainRun& run, Observer& observer) {
  // Every setting is checked before anything is read or written.
  TrainOptions topt;
  topt.optimizer = run.optimizer;
  topt.optimizer.lr = run.lr ? *run.lr : default_learning_rate(run.optimizer.kind);
  topt.optimizer.validate();
  run.validate();
  run.inputs.validate();

  std::unique_ptr<Workspace> ws = open_workspace(run.inputs, observer, Need::Model);
  // The workspace's data and model, without its objective: the trainer makes its own.
  if (!ws->has_data()) throw FieldError("data", "is missing: give the training data file");
  try {
    check_data_fits(ws->model().graph, ws->data());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(ws->data_label() + ": does not fit the model " + ws->model_label() +
                             ": " + e.what());
  }
  const std::vector<int64_t> rows =
      analysis_rows(ws->data().size(), run.inputs.samples, run.inputs.analysis_seed());
  // Every step's batch (a minibatch, or all rows for gd) is split over the cores with OpenBLAS
  // single-threaded: one level of parallelism.
  set_blas_threads(1);
  const OptimizerOptions& op = topt.optimizer;
  topt.batch_size = op.kind == OptimizerKind::GD ? 0 : run.inputs.batch_size;
  topt.eval_batch_size = run.inputs.batch_size;
  topt.threads = ws->cores();
  topt.weight_decay = run.inputs.weight_decay;
  topt.seed = run.inputs.seed;

  Model model = ws->model();
  std::vector<std::string> checkpoints;
  OptimizerState start;
  const std::string& dir = run.dir;
  if (run.resume) {
    const std::vector<Checkpoint> found = resumable_checkpoints(dir);
    if (found.empty()) throw std::runtime_error(dir + ": no checkpoint to resume from");
    Model saved = read_checkpoint(found.back()).model;
    if (saved.graph.num_params() != model.graph.num_params()) {
      throw std::runtime_error(
          found.back().file + ": the checkpoint has " + std::to_string(saved.graph.num_params()) +
          " parameters, the model of the run " + std::to_string(model.graph.num_params()));
    }
    start = read_optimizer_state(found.back(), saved.graph.num_params());
    model = std::move(saved);
    for (const Checkpoint& c : found) checkpoints.push_back(c.file);
  }
  // Sharpness tracking: the analysis objective over the first M training rows.
  const SharpnessTracking& st = run.sharpness;
  const bool tracking = st.every > 0;
  const int64_t P = model.graph.num_params();
  int64_t eos_m = 0;
  std::unique_ptr<Objective> analysis;
  std::optional<EosTracker> tracker;
  EosSeries series;
  if (tracking) {
    if (st.k > P) {
      throw FieldError("sharpness_k", "(" + std::to_string(st.k) + ") exceeds the " +
                                          std::to_string(P) + " parameters of the model");
    }
    eos_m = eos_samples(st.samples, static_cast<int64_t>(rows.size()), "sharpness_samples");
    ObjectiveOptions oo;
    oo.batch_size = run.inputs.batch_size;
    oo.threads = ws->cores();
    oo.weight_decay = run.inputs.weight_decay;
    analysis = make_objective(model.graph, ws->data(),
                              std::vector<int64_t>(rows.begin(), rows.begin() + eos_m), oo,
                              run.inputs.precision);
    EosOptions eo;
    eo.k = static_cast<int>(st.k);
    eo.seed = run.inputs.seed;
    tracker.emplace(eo, *analysis);
    series = EosSeries::start(topt.optimizer, st.k, eos_m);
  }
  Trainer trainer(model.graph, ws->data(), rows, topt, run.inputs.precision);
  trainer.set_parameters(model.theta);
  if (run.resume) {
    try {
      trainer.restore(model.theta, start);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(state_path(checkpoints.back()) + ": " + e.what());
    }
  }
  const int64_t spe = trainer.steps_per_epoch();
  const int64_t total = run.steps > 0 ? run.steps : run.epochs * spe;
  if (trainer.step_count() > total) {
    throw FieldError("steps", ": the run in " + dir + " is already at step " +
                                  std::to_string(trainer.step_count()));
  }
  const Fingerprint settings =
      settings_of(run, topt, ws->model_label(), trainer.num_samples(), eos_m);
  if (run.resume && tracking) {
    const std::vector<Checkpoint> found = resumable_checkpoints(dir);
    series = resumed_series(log_path(dir), found.back(), P, *tracker);
  }
  if (discarded_outputs_folder().empty()) fs::create_directories(dir);  // rank 0 only
  // Ranks other than 0 of a distributed run keep a discarded log of their own (rank 0 alone reads
  // and continues the run's log).
  const bool writes = discarded_outputs_folder().empty();
  TrainLog log =
      run.resume && writes
          ? TrainLog::resume(log_path(dir), trainer.step_count(), total, settings, run.command_line)
          : TrainLog::create(log_path(dir), total, settings, run.command_line);

  auto checkpoint = [&] {
    model.theta = trainer.parameters();
    const std::string path =
        save_checkpoint(dir, model, trainer.optimizer().state(), spe, topt.seed,
                        tracking ? warm_start_of(*tracker, series) : WarmStart{});
    if (checkpoints.empty() || checkpoints.back() != path) checkpoints.push_back(path);
    log.flush();
  };
  Outcome outcome;  // of this run's sharpness measurements
  auto measure = [&] {
    const EosMeasurement m = tracker->measure(trainer.parameters(), trainer.optimizer());
    if (m.status != Status::Ok)
      observer.warn("sharpness at step " + std::to_string(m.step) + ": " + m.message);
    outcome.note(m.status, "sharpness at step " + std::to_string(m.step), m.message);
    series.append(m);
    log.write_sharpness(log_record(series));
  };
  if (tracking && series.size() > 0) log.write_sharpness(log_record(series));  // resumed
  if (!run.resume) {
    if (tracking) measure();
    checkpoint();  // the initial weights
  }

  auto last_flush = std::chrono::steady_clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t first_step = trainer.step_count();
  const bool classes = model.graph.label_kind == LabelKind::Class;
  const std::atomic<bool>* cancel = observer.cancel();
  try {
    trainer.run(total, [&](const TrainStep& s) {
      log.add(s);
      if (tracking && sharpness_due(s.step, st.every, total)) measure();
      if (run.checkpoint_every > 0 && s.step % run.checkpoint_every == 0 && s.step < total)
        checkpoint();
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_flush).count() > kFlushSeconds) {
        log.flush();
        last_flush = now;
      }
      observer.progress(
          s.step, total,
          "steps, epoch " + std::to_string(s.epoch) + "  loss " + significant(s.loss, 5) +
              (classes ? "  acc " + significant(kPercent * s.accuracy, 4) + "%" : ""));
      return !(cancel && cancel->load());
    });
  } catch (const NumericalError&) {
    observer.finished();
    log.close("failed", std::numeric_limits<double>::quiet_NaN(),
              std::numeric_limits<double>::quiet_NaN());
    throw;
  }
  observer.finished();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  checkpoint();  // the final weights, or where the run was stopped
  if (trainer.step_count() < total) {
    log.close("interrupted", std::numeric_limits<double>::quiet_NaN(),
              std::numeric_limits<double>::quiet_NaN());
    throw std::runtime_error("interrupted by " + observer.stop_reason() + " at step " +
                             std::to_string(trainer.step_count()) + " of " + std::to_string(total) +
                             "; checkpoint " + checkpoints.back() + " saved, continue with resume");
  }
  const Evaluation final_ev = trainer.evaluate();
  log.close("complete", final_ev.loss, final_ev.accuracy);

  Record rec;
  rec.add("model", ws->model_label()).only(kJson).head("model");
  rec.add("data", ws->data_label()).only(kJson);
  rec.add("samples", trainer.num_samples()).only(kJson);
  rec.add("data_text",
          ws->data_label() + ", " + grouped(trainer.num_samples()) + " training samples")
      .only(0)
      .head("data");
  rec.add("optimizer", name_of(op.kind)).only(kJson);
  rec.add("lr", op.lr).only(kJson);
  rec.add("optimizer_text", std::string(name_of(op.kind)) + ", lr " + significant(op.lr))
      .only(0)
      .head("optimizer");
  rec.add("steps", trainer.step_count()).only(kJson);
  rec.add("steps_this_run", trainer.step_count() - first_step).only(kJson);
  rec.add("steps_text", grouped(trainer.step_count()) + " (" +
                            grouped(trainer.step_count() - first_step) + " in " +
                            significant(seconds, 3) + " s)")
      .only(0)
      .head("steps");
  rec.add("final_loss", final_ev.loss).only(kJson);
  rec.add("loss_text", significant(final_ev.loss, 8)).only(0).head("final loss");
  rec.add("final_accuracy", final_ev.accuracy).only(kJson);
  if (classes)
    rec.add("accuracy_text", significant(kPercent * final_ev.accuracy, 5) + " %")
        .only(0)
        .head("final accuracy");
  rec.add("checkpoints", checkpoints).only(kJson);
  rec.add("checkpoints_text", std::to_string(checkpoints.size()) + " in " + checkpoints_dir(dir))
      .only(0)
      .head("checkpoints");
  rec.add("final_weights", checkpoints.back()).only(0).head("final weights");
  rec.add("log", log_path(dir)).only(kJson).head("log");
  rec.add("out", dir).only(kJson);
  rec.add("precision", name_of(run.inputs.precision)).only(kJson);
  rec.add("seed", static_cast<int64_t>(run.inputs.seed)).only(kJson);
  rec.add("threads", static_cast<int64_t>(topt.threads)).only(kJson);
  rec.add("ranks", static_cast<int64_t>(dist::size())).only(kJson);
  rec.add("hvps", tracking ? series.total_hvps() : int64_t{0}).only(kJson);
  rec.add("seconds", seconds).only(kJson);
  if (tracking) {
    rec.add("sharpness_samples", eos_m).only(kJson);
    rec.add("sharpness_hvps", series.total_hvps()).only(kJson);
    rec.add("sharpness_text", std::to_string(series.size()) + " measurements of " +
                                  series.threshold_rule + " on " + grouped(eos_m) + " samples, " +
                                  grouped(series.total_hvps()) + " products; /sharpness in the log")
        .only(0)
        .head("sharpness");
    describe_eos_series(rec, series, "sharpness", kJson);
    describe_status(rec, outcome.status, outcome.message);
  }
  return rec;
}

}  // namespace hess::runs
