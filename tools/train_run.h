#pragma once
// The run directory of `hessian train` (schema in docs/formats.md, "Training run directory"):
//
//   RUN_DIR/train_log.h5                           the log: one row per step, written as it goes
//   RUN_DIR/checkpoints/step-000000000.h5          model files, step zero-padded to 9 digits
//   RUN_DIR/checkpoints/step-000000000.state.h5    optimizer state and data position beside each
//
// Every checkpoint file is written to NAME.partial and renamed when complete, the state before the
// model, so a model file that exists has its state. The log says in its `status` attribute whether
// the run is `running` (or was killed), `interrupted` (stopped by a signal, resumable) or
// `complete`.
//
//   TrainLog log = TrainLog::create(dir, total, settings, command_line);
//   log.add(step_record);  ...  log.flush();
//   save_checkpoint(dir, model, trainer.optimizer().state(), epoch, seed);
//   log.close("complete");

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph.h"
#include "engine/optimizer.h"
#include "engine/trainer.h"

namespace hess::cli {

// What a run was started with and may not change on --resume: (flag, value as text) pairs.
using RunSettings = std::vector<std::pair<std::string, std::string>>;

std::string log_path(const std::string& dir);
// RUN_DIR/checkpoints/step-NNNNNNNNN.h5 and its state file.
std::string checkpoint_path(const std::string& dir, int64_t step);
std::string state_path(const std::string& checkpoint);

// Writes the model file and the state file of step `state.step`; returns the model file's path.
std::string save_checkpoint(const std::string& dir, const Model& model, const OptimizerState& state,
                            int64_t steps_per_epoch, uint64_t seed);

// Model files in RUN_DIR/checkpoints that have a state file, sorted by step.
std::vector<std::string> list_checkpoints(const std::string& dir);

struct Checkpoint {
  std::string path;
  Model model;
  OptimizerState state;
};
// Reads a checkpoint (model and state). Throws FileError naming the file at fault.
Checkpoint load_checkpoint(const std::string& path);

class TrainLog {
 public:
  // A new log for a run of `total_steps` steps.
  static TrainLog create(const std::string& dir, int64_t total_steps, const RunSettings& settings,
                         const std::string& command_line);
  // Reopens the log of an earlier run to continue after step `step` (rows after it are dropped)
  // for `total_steps` steps in all. Throws UsageError naming the first setting that differs.
  static TrainLog resume(const std::string& dir, int64_t step, int64_t total_steps,
                         const RunSettings& settings, const std::string& command_line);

  TrainLog(TrainLog&&) noexcept;
  TrainLog& operator=(TrainLog&&) noexcept;
  ~TrainLog();

  void add(const TrainStep& s);
  // Writes the rows added so far to the file and flushes it.
  void flush();
  // Flushes, records the status ("complete", "interrupted", "failed") and the final figures,
  // closes.
  void close(const std::string& status, double final_loss, double final_accuracy);

  struct Impl;  // the open file and the rows not yet written

 private:
  explicit TrainLog(Impl* impl);
  Impl* impl_;
};

}  // namespace hess::cli
