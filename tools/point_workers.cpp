#include "tools/point_workers.h"

#include <algorithm>

#include "engine/blas_threads.h"

namespace hess::cli {

PointWorkers make_point_workers(const Session& session) {
  // The session planned its cores as batch threads or, with fewer batches than cores, as OpenBLAS
  // threads: either way that many points can run side by side.
  const int cores = std::max(session.objective_options.threads, blas_threads());
  set_blas_threads(1);
  ObjectiveOptions one = session.objective_options;
  one.threads = 1;
  PointWorkers w;
  for (int t = 0; t < cores; ++t) {
    w.owned.push_back(
        make_objective(session.model.graph, session.data, session.rows, one, session.precision));
    w.owned.back()->set_parameters(session.model.theta);
    w.pointers.push_back(w.owned.back().get());
  }
  return w;
}

}  // namespace hess::cli
