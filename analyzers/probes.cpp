#include "analyzers/probes.h"

#include <stdexcept>
#include <string>

namespace hess {

void fill_probes(ProbeKind kind, Rng& rng, Eigen::MatrixXd& V) {
  double* x = V.data();
  const Eigen::Index n = V.size();
  if (kind == ProbeKind::Rademacher) {
    for (Eigen::Index i = 0; i < n; ++i) x[i] = rng.rademacher();
  } else {
    for (Eigen::Index i = 0; i < n; ++i) x[i] = rng.normal();
  }
}

}  // namespace hess
