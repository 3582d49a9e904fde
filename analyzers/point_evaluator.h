#pragma once
// The loss at many points θ_p of parameter space, spread over worker objectives in parallel: what
// landscapes and roughness profiles are made of.
//
// Parallelism. Each worker is an Objective with its own evaluation contexts; worker 0 runs in the
// calling thread, every other worker in a std::thread of its own, and each takes the next point
// from a shared counter. A point is one full pass over the analysis set. DESIGN.md §7: one level of
// parallelism at a time. Pass either several workers built with `threads = 1` (point-level
// parallelism: no barrier per pass, every core busy whatever the batch count; what the commands
// do), or one worker with its own batch threads (parallel inside each point). Workers should be
// configured alike, so a point's value does not depend on which worker computed it.
//
// Distributed runs: when the workers' options name `point_ranks` (engine/objective.h), the points
// are divided among those ranks (each evaluated whole on one rank, workers in parallel inside it)
// and every rank reports every point, in the order given, after all are done.
//
// A point whose pass meets NaN or Inf is reported with `finite = false` (its value NaN) and the run
// goes on. Other exceptions (from a worker or from `done`) stop every worker and are rethrown.
// Workers' parameters are restored before returning, also when throwing.
//
//   hess::PointRunStats s = hess::evaluate_points(workers, points,
//       [&](int worker, int64_t p, std::vector<double>& theta) { ... theta = θ + t_p d ... },
//       [&](const hess::PointEvaluation& e) { values[e.point] = e.value.loss; }, &stop_flag);

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/objective.h"

namespace hess {

struct PointEvaluation {
  int64_t point = 0;  // the caller's point id
  Evaluation value;   // NaN when not finite
  bool finite = true;
};

struct PointRunStats {
  int64_t evaluated = 0;         // points evaluated (finite or not)
  int64_t non_finite = 0;        // of which met NaN or Inf
  int64_t passes = 0;            // passes over the analysis set, all workers
  bool cancelled = false;        // stopped by `cancel` before every point was done
  std::string first_non_finite;  // the engine's message for the first non-finite point
};

// Writes point p's parameters into `theta` (already of length P). Called from the thread of worker
// `worker` (0-based): it may only read shared state, or state owned by that worker (a cache).
using PointFill = std::function<void(int worker, int64_t point, std::vector<double>& theta)>;
// Receives each evaluated point, in completion order, one call at a time (serialized by a mutex).
using PointDone = std::function<void(const PointEvaluation&)>;

// Evaluates the loss and accuracy at `points`. When `cancel` becomes true no new point is started;
// points under way finish and are reported. Throws std::invalid_argument for no workers or workers
// of different parameter counts.
PointRunStats evaluate_points(const std::vector<Objective*>& workers,
                              const std::vector<int64_t>& points, const PointFill& fill,
                              const PointDone& done, const std::atomic<bool>* cancel = nullptr);

}  // namespace hess
