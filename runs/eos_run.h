#pragma once
// `hessian eos --along` as a library call: the edge-of-stability measurement of analyzers/eos.h at
// every checkpoint of a training run (a run directory, a folder, a glob or a checkpoint series
// file), each warm-started from the one before, into the resumable group /eos of the result file
// (runs/eos_series.h: the datasets of a training log's /sharpness). Checkpoints of a `hessian
// train` run directory bring their optimizer, learning rate, training set and optimizer state
// (adam's second moment); checkpoints from elsewhere take the optimizer and learning rate given.
// Flushed as measurements complete, stopped cleanly when the observer asks, continued by running
// the same series again (the settings' fingerprint must match, io/fingerprint.h).

#include <cstdint>
#include <optional>
#include <string>

#include "analyzers/eos.h"
#include "engine/optimizer.h"
#include "io/record.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct EosRun {
  // data (default: the run directory's), samples (M: the first M training samples; 0: the run's
  // tracking setting, else min(N, 5000)), batch_size, threads, precision and weight_decay (default:
  // the run's unless given); model and arch stay empty.
  Inputs inputs;
  bool precision_given = false;  // the caller chose the precision (else the run directory's)
  std::string along;             // run directory, folder, glob or series file of checkpoints
  OptimizerOptions optimizer;    // for checkpoints from elsewhere
  std::optional<double> lr;      // required for checkpoints from elsewhere
  bool optimizer_given = false;  // the caller named the optimizer (checked against the run's)
  EosOptions eos;                // k, tol, ncv; seed is inputs.seed
  bool cold = false;             // every measurement from a random start (no warm start)
  Output output;
};

// Throws FieldErrors naming the field for bad input (nothing is written then) and
// std::runtime_error "interrupted by …" (progress kept) when the observer cancels.
Record eos(const EosRun& run, Observer& observer);

}  // namespace hess::runs
