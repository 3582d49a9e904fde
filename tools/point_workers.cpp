#include "tools/point_workers.h"

#include "engine/blas_threads.h"

namespace hess::cli {

PointWorkers make_point_workers(const Session& session) {
  // One point per core side by side, each pass single-threaded.
  const int cores = session.cores;
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
