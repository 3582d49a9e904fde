// hessian train: trains a model (from --arch or --model) on a data file into a run directory of
// checkpoints and a training log; Ctrl-C / SIGTERM stop it cleanly and --resume continues it
// exactly.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "engine/blas_threads.h"
#include "engine/numerical_error.h"
#include "engine/trainer.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/progress.h"
#include "tools/session.h"
#include "tools/stop_signal.h"
#include "tools/table.h"
#include "tools/train_run.h"

namespace hess::cli {

namespace {

namespace fs = std::filesystem;

constexpr double kDefaultLr = 0.1;
constexpr double kDefaultAdamLr = 0.001;
constexpr double kFlushSeconds = 2.0;  // the log reaches the file at least this often

struct TrainFlags {
  std::string optimizer = "sgd";
  double lr = std::numeric_limits<double>::quiet_NaN();  // NaN: the optimizer's default
  double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  int64_t steps = 0, epochs = 0, checkpoint_every = 0;
  bool resume = false;
};

// "%.17g": doubles compared as text on --resume are then compared exactly.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

RunSettings settings_of(const CommonOptions& o, const TrainOptions& t,
                        const std::string& model_label, int64_t samples) {
  const OptimizerOptions& op = t.optimizer;
  RunSettings s = {{"model", model_label},
                   {"loss", o.loss},
                   {"data", fs::absolute(o.data).lexically_normal().string()},
                   {"samples", std::to_string(samples)},
                   {"seed", std::to_string(o.seed)},
                   {"optimizer", std::string(name_of(op.kind))},
                   {"lr", exact(op.lr)},
                   {"batch-size", std::to_string(o.batch_size)},
                   {"weight-decay", exact(t.weight_decay)},
                   {"precision", o.precision},
                   {"threads", std::to_string(t.threads)}};
  if (op.kind == OptimizerKind::Momentum || op.kind == OptimizerKind::Nesterov) {
    s.emplace_back("momentum", exact(op.momentum));
  }
  if (op.kind == OptimizerKind::Adam) {
    s.emplace_back("beta1", exact(op.beta1));
    s.emplace_back("beta2", exact(op.beta2));
    s.emplace_back("epsilon", exact(op.epsilon));
  }
  return s;
}

bool holds_run(const std::string& dir) {
  std::error_code ec;
  return fs::exists(log_path(dir), ec) || fs::exists(fs::path(dir) / "checkpoints", ec);
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  CommonOptions o;
  TrainFlags f;
  std::string out;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()(
      "optimizer", po::value(&f.optimizer)->value_name("NAME")->default_value("sgd"),
      "gd (full batch), sgd, momentum, nesterov or adam (minibatches of --batch-size)")(
      "lr", po::value(&f.lr)->value_name("ETA")->default_value(f.lr, "0.1; adam 0.001"),
      "learning rate")("momentum",
                       po::value(&f.momentum)->value_name("BETA")->default_value(0.9, "0.9"),
                       "beta of momentum and nesterov")(
      "beta1", po::value(&f.beta1)->value_name("B")->default_value(0.9, "0.9"),
      "adam: decay of the first moment")("beta2",
                                         po::value(&f.beta2)->value_name("B")->default_value(0.999),
                                         "adam: decay of the second moment")(
      "epsilon", po::value(&f.epsilon)->value_name("EPS")->default_value(1e-8),
      "adam: added to the root of the second moment")("steps", po::value(&f.steps)->value_name("N"),
                                                      "train until N steps are done in all")(
      "epochs", po::value(&f.epochs)->value_name("N"), "train for N epochs (N steps with gd)")(
      "checkpoint-every", po::value(&f.checkpoint_every)->value_name("K")->default_value(0),
      "save a checkpoint every K steps (0: only the initial and the final weights)")(
      "resume", po::bool_switch(&f.resume),
      "continue the run in --out from its last checkpoint (same flags)")(
      "out", po::value(&out)->value_name("RUN_DIR"),
      "run directory: checkpoints/ and train_log.h5")(
      "json", po::bool_switch(&o.json), "print one JSON object with the summary on stdout")(
      "quiet", po::bool_switch(&o.quiet), "no progress on stderr");
  const char* examples =
      "  hessian train --data data/digits.h5 --arch mlp:64-32-10:tanh --optimizer gd --lr 0.5 "
      "--steps 500 --out run\n"
      "  hessian train --data fmnist.h5 --arch mlp:784-128-128-10:tanh --optimizer sgd "
      "--batch-size 128 --epochs 3 \\\n"
      "      --checkpoint-every 500 --out run-sgd\n"
      "  hessian train --data fmnist.h5 --arch mlp:784-128-128-10:tanh --optimizer sgd "
      "--batch-size 128 --epochs 3 \\\n"
      "      --checkpoint-every 500 --out run-sgd --resume      # after Ctrl-C\n";
  if (!parse_args("train", args, desc,
                  "--data FILE (--arch SPEC | --model FILE) --out RUN_DIR (--steps N | --epochs N) "
                  "[options]",
                  examples)) {
    return kExitOk;
  }
  o.command_line = command_line("train", args);

  // Every flag is checked before anything is read or written.
  if (out.empty()) throw UsageError("no run directory: give --out RUN_DIR");
  if (o.data.empty()) throw UsageError("no data: give --data FILE");
  if ((f.steps > 0) == (f.epochs > 0))
    throw UsageError("give one of --steps N or --epochs N (a positive count)");
  if (f.steps < 0 || f.epochs < 0) throw UsageError("--steps and --epochs must be positive");
  if (f.checkpoint_every < 0) throw UsageError("--checkpoint-every must be non-negative");
  TrainOptions topt;
  OptimizerOptions& op = topt.optimizer;
  op.kind = as_usage([&] { return parse_enum<OptimizerKind>(f.optimizer); });
  op.lr = std::isnan(f.lr) ? (op.kind == OptimizerKind::Adam ? kDefaultAdamLr : kDefaultLr) : f.lr;
  op.momentum = f.momentum;
  op.beta1 = f.beta1;
  op.beta2 = f.beta2;
  op.epsilon = f.epsilon;
  as_usage([&] { op.validate(); });
  if (f.resume && !holds_run(out)) throw UsageError("--resume: " + out + " holds no training run");
  if (!f.resume && holds_run(out)) {
    throw UsageError(
        "--out: " + out +
        " already holds a training run; add --resume to continue it or choose another directory");
  }

  std::unique_ptr<Session> session = open_session(o, true);
  // Every step's batch (a minibatch, or all rows for gd) is split over the cores with OpenBLAS
  // single-threaded: one level of parallelism, whatever the session planned for analyses.
  set_blas_threads(1);
  topt.batch_size = op.kind == OptimizerKind::GD ? 0 : o.batch_size;
  topt.eval_batch_size = o.batch_size;
  topt.threads = session->cores;
  topt.weight_decay = o.weight_decay;
  topt.seed = o.seed;
  session->objective.reset();  // the trainer makes its own

  Model model = session->model;
  std::vector<std::string> checkpoints;
  OptimizerState start;
  if (f.resume) {
    const std::vector<std::string> found = list_checkpoints(out);
    if (found.empty()) throw std::runtime_error(out + ": no checkpoint to resume from");
    Checkpoint c = load_checkpoint(found.back());
    if (c.model.graph.num_params() != model.graph.num_params()) {
      throw std::runtime_error(
          c.path + ": the checkpoint has " + std::to_string(c.model.graph.num_params()) +
          " parameters, the model of the flags " + std::to_string(model.graph.num_params()));
    }
    model = std::move(c.model);
    start = std::move(c.state);
    checkpoints = found;
  }
  Trainer trainer(model.graph, session->data, session->rows, topt, session->precision);
  trainer.set_parameters(model.theta);
  if (f.resume) {
    try {
      trainer.restore(model.theta, start);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(state_path(checkpoints.back()) + ": " + e.what());
    }
  }
  const int64_t spe = trainer.steps_per_epoch();
  const int64_t total = f.steps > 0 ? f.steps : f.epochs * spe;
  if (trainer.step_count() > total) {
    throw UsageError("--steps: the run in " + out + " is already at step " +
                     std::to_string(trainer.step_count()));
  }
  const RunSettings settings = settings_of(o, topt, session->model_label, trainer.num_samples());
  fs::create_directories(out);
  TrainLog log = f.resume
                     ? TrainLog::resume(out, trainer.step_count(), total, settings, o.command_line)
                     : TrainLog::create(out, total, settings, o.command_line);

  auto checkpoint = [&] {
    model.theta = trainer.parameters();
    const std::string path =
        save_checkpoint(out, model, trainer.optimizer().state(), spe, topt.seed);
    if (checkpoints.empty() || checkpoints.back() != path) checkpoints.push_back(path);
    log.flush();
  };
  if (!f.resume) checkpoint();  // the initial weights

  StopSignal stop;
  Progress progress(total, o.quiet);
  auto last_flush = std::chrono::steady_clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t first_step = trainer.step_count();
  try {
    trainer.run(total, [&](const TrainStep& s) {
      log.add(s);
      if (f.checkpoint_every > 0 && s.step % f.checkpoint_every == 0 && s.step < total)
        checkpoint();
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_flush).count() > kFlushSeconds) {
        log.flush();
        last_flush = now;
      }
      progress.update(s.step, "epoch " + std::to_string(s.epoch) + "  loss " + num(s.loss, 5) +
                                  (model.graph.label_kind == LabelKind::Class
                                       ? "  acc " + num(100 * s.accuracy, 4) + "%"
                                       : ""));
      return !stop.received();
    });
  } catch (const NumericalError&) {
    progress.finish();
    log.close("failed", std::numeric_limits<double>::quiet_NaN(),
              std::numeric_limits<double>::quiet_NaN());
    throw;
  }
  progress.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  checkpoint();  // the final weights, or where a signal stopped the run
  if (trainer.step_count() < total) {
    log.close("interrupted", std::numeric_limits<double>::quiet_NaN(),
              std::numeric_limits<double>::quiet_NaN());
    throw std::runtime_error("interrupted by " + stop.name() + " at step " +
                             std::to_string(trainer.step_count()) + " of " + std::to_string(total) +
                             "; checkpoint " + checkpoints.back() +
                             " saved, continue with --resume");
  }
  const Evaluation final_ev = trainer.evaluate();
  log.close("complete", final_ev.loss, final_ev.accuracy);

  if (o.json) {
    Json j = Json::object();
    j.set("final_loss", final_ev.loss)
        .set("final_accuracy", final_ev.accuracy)
        .set("steps", trainer.step_count());
    j.set("checkpoints", Json::array_of(checkpoints)).set("log", log_path(out)).set("out", out);
    j.set("model", session->model_label)
        .set("data", session->data_label)
        .set("samples", trainer.num_samples());
    j.set("optimizer", std::string(name_of(op.kind)))
        .set("lr", op.lr)
        .set("steps_this_run", trainer.step_count() - first_step);
    j.set("seconds", seconds);
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  auto line = [](const char* key, const std::string& value) {
    std::printf("%-15s %s\n", key, value.c_str());
  };
  line("model", session->model_label);
  line("data", session->data_label + ", " + grouped(trainer.num_samples()) + " training samples");
  line("optimizer", std::string(name_of(op.kind)) + ", lr " + num(op.lr));
  line("steps", grouped(trainer.step_count()) + " (" + grouped(trainer.step_count() - first_step) +
                    " in " + num(seconds, 3) + " s)");
  line("final loss", num(final_ev.loss, 8));
  if (model.graph.label_kind == LabelKind::Class)
    line("final accuracy", num(100 * final_ev.accuracy, 5) + " %");
  line("checkpoints",
       std::to_string(checkpoints.size()) + " in " + (fs::path(out) / "checkpoints").string());
  line("final weights", checkpoints.back());
  line("log", log_path(out));
  return kExitOk;
}

}  // namespace hess::cli
