#include "tools/point_workers.h"

// OpenBLAS's run-time thread count (cblas.h of Debian's libopenblas).
extern "C" void openblas_set_num_threads(int num_threads);

namespace hess::cli {

PointWorkers make_point_workers(const Session& session) {
  openblas_set_num_threads(1);
  ObjectiveOptions one = session.objective_options;
  one.threads = 1;
  PointWorkers w;
  for (int t = 0; t < session.objective_options.threads; ++t) {
    w.owned.push_back(
        make_objective(session.model.graph, session.data, session.rows, one, session.precision));
    w.owned.back()->set_parameters(session.model.theta);
    w.pointers.push_back(w.owned.back().get());
  }
  return w;
}

}  // namespace hess::cli
