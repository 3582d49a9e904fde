#pragma once
// `hessian train` as a library call: trains a model (an architecture spec or a model file) on a
// data file into a run directory of checkpoints and a training log (io/run_directory.h,
// io/train_log.h). When the observer asks to stop, the run saves a checkpoint and ends with a
// runtime error saying how to continue; `resume` continues it exactly (the settings' fingerprint
// must match).
//
// With sharpness tracking (`sharpness.every` > 0), the run measures the edge of stability
// (analyzers/eos.h) at step 0, every N steps and the last step on the first M training samples,
// each measurement warm-started from the previous one, into the group /sharpness of the log
// (runs/eos_series.h); the warm-start vectors go with every checkpoint, so a resumed run continues
// the series exactly as an uninterrupted one.

#include <cstdint>
#include <optional>
#include <string>

#include "engine/optimizer.h"
#include "io/record.h"
#include "runs/observer.h"
#include "runs/workspace.h"

namespace hess::runs {

struct SharpnessTracking {
  int64_t every = 0;    // measure at step 0, every N steps and at the last step; 0: off
  int64_t k = 1;        // top eigenvalues per measurement (at most the parameter count)
  int64_t samples = 0;  // the analysis set: the first M training samples; 0: min(N, 5000)
  // FieldErrors sharpness_every, sharpness_k, sharpness_samples.
  void validate() const;
};

struct TrainRun {
  Inputs inputs;  // batch_size: the minibatch (and the evaluation chunk for gd)
  OptimizerOptions optimizer;
  std::optional<double> lr;      // default: default_learning_rate(optimizer.kind)
  int64_t steps = 0;             // train until this many steps are done in all, or
  int64_t epochs = 0;            // for this many epochs (steps with gd)
  int64_t checkpoint_every = 0;  // 0: the initial and final weights only
  bool resume = false;           // continue the run in `dir` from its last checkpoint
  std::string dir;               // the run directory
  std::string command_line;      // recorded in the log
  SharpnessTracking sharpness;
  // FieldErrors naming the field.
  void validate() const;
};

// The learning rate a run uses when none is given: 0.1, and 0.001 for adam.
double default_learning_rate(OptimizerKind kind);

Record train(const TrainRun& run, Observer& observer);

}  // namespace hess::runs
