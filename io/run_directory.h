#pragma once
// The run directory of `hessian train` (schema in docs/formats.md, "Training run directory"):
//
//   RUN_DIR/train_log.h5                           the log (io/train_log.h)
//   RUN_DIR/checkpoints/step-000000000.h5          model files, step zero-padded to 9 digits
//   RUN_DIR/checkpoints/step-000000000.state.h5    optimizer state and data position beside each
//
// Every checkpoint file is written atomically, the state before the model, so a model file that
// exists has its state. The checkpoints folder is a checkpoint series (io/checkpoint_series.h).
// With sharpness tracking (--sharpness-every) the state file also holds the eigenvectors of the
// last measurement at or before the checkpoint: the next measurement's warm start, so a resumed
// run measures exactly as an uninterrupted one.
//
//   hess::save_checkpoint(dir, model, optimizer.state(), steps_per_epoch, seed);
//   std::vector<hess::Checkpoint> c = hess::resumable_checkpoints(dir);   // with a state file
//   hess::OptimizerState s = hess::read_optimizer_state(c.back(), P);

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/optimizer.h"
#include "io/checkpoint_series.h"

namespace hess {

std::string log_path(const std::string& dir);
std::string checkpoints_dir(const std::string& dir);
// RUN_DIR/checkpoints/step-NNNNNNNNN.h5 and its state file.
std::string checkpoint_path(const std::string& dir, int64_t step);
std::string state_path(const std::string& checkpoint_file);
// Whether `dir` holds a training run (a log or a checkpoints folder).
bool holds_run(const std::string& dir);

// The eigenvectors of a sharpness measurement kept with a checkpoint (group `sharpness_warm_start`
// of the state file): `k` vectors of P entries, one after the other, from the measurement of
// step `step`.
struct WarmStart {
  int64_t step = -1;  // -1: none
  int64_t k = 0;
  std::vector<double> vectors;  // k x P, row-major (vector j is row j)
};

// Writes the state file (with `warm` when it has vectors) and the model file of step
// `state.step`; returns the model file's path.
std::string save_checkpoint(const std::string& dir, const Model& model, const OptimizerState& state,
                            int64_t steps_per_epoch, uint64_t seed, const WarmStart& warm = {});

// The checkpoints of RUN_DIR that have a state file, in step order.
std::vector<Checkpoint> resumable_checkpoints(const std::string& dir);
// Whether a checkpoint model file has its optimizer state beside it.
bool has_optimizer_state(const Checkpoint& c);

// Reads the optimizer state beside a checkpoint; its buffers must have `params` entries. Throws
// FileError naming the state file.
OptimizerState read_optimizer_state(const Checkpoint& c, int64_t params);
// The warm start kept beside a checkpoint (step -1 when there is none); its vectors must have
// `params` entries. Throws FileError naming the state file.
WarmStart read_warm_start(const Checkpoint& c, int64_t params);

}  // namespace hess
