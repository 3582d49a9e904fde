#pragma once
// Objectives for point-level parallelism (landscape grids, roughness profiles): one objective per
// thread over the session's analysis set, each single-threaded, and OpenBLAS single-threaded, so
// there is one level of parallelism at a time (DESIGN.md §7). A grid point is one independent
// pass: spreading points over workers needs no barrier per pass and keeps every core busy even
// when the analysis set has fewer batches than threads.
//
//   hess::cli::PointWorkers w = hess::cli::make_point_workers(*session);
//   hess::run(options, directions, w.pointers);

#include <memory>
#include <vector>

#include "engine/objective.h"
#include "tools/session.h"

namespace hess::cli {

struct PointWorkers {
  std::vector<std::unique_ptr<Objective>> owned;
  std::vector<Objective*> pointers;  // pointers[0] holds the model's θ
};

// One worker per core the session planned for (its batch threads, or its OpenBLAS threads when it
// has fewer batches than cores), each with θ = session.model.theta; OpenBLAS set to one thread.
PointWorkers make_point_workers(const Session& session);

}  // namespace hess::cli
