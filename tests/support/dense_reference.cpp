#include "support/dense_reference.h"

#include <vector>

#include "engine/curvature_operator.h"
#include "runs/workspace.h"

namespace hess::test {

Eigen::MatrixXd DenseReference::sub(const std::string& prefix) const {
  std::vector<int64_t> idx;
  for (const auto& [name, range] : blocks) {
    if (name.rfind(prefix, 0) != 0) continue;
    for (int64_t i = 0; i < range.second; ++i) idx.push_back(range.first + i);
  }
  const Eigen::Index n = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd S(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) S(i, j) = H(idx[i], idx[j]);
  }
  return S;
}

DenseReference dense_reference(const runs::Inputs& o, Curvature kind) {
  auto ws = runs::open_workspace(o);
  ObjectiveOperator op(ws->objective(), kind);
  DenseReference ref;
  const Eigen::MatrixXd A = assemble_dense(op);
  ref.H = 0.5 * (A + A.transpose());
  for (const Block& b : ws->model().graph.blocks)
    ref.blocks.push_back({b.name, {b.offset, b.size()}});
  return ref;
}

}  // namespace hess::test
