#include "engine/ops/embedding.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hess {

// ---------------------------------------------------------------------------------------------
// embedding: inputs (ids [...], W [V, D]); y[..., :] = W[id, :], shape [..., D]. The ids are reals
// holding integers in [0, V) (from the data X or a constant); they never vary (Graph::validate
// refuses ids that depend on θ), so y is linear in W and has no curvature term. value() checks and
// caches the ids in out.idx.

Shape EmbeddingOp::infer(const Node&, const std::vector<Shape>& in) {
  const Shape& w = in[1];
  if (w.size() != 2)
    throw std::invalid_argument("table must be 2-D [vocabulary, width], got " + to_string(w));
  Shape y = in[0];
  y.push_back(w[1]);
  return y;
}

// y[i, :] = W[id_i, :]
template <class T>
void EmbeddingOp::value(OpCall<T>& c) {
  assert(!c.in(0).varies);
  const Tensor<T>& ids = c.in(0).val;
  const int64_t V = c.in(1).val.dim(0), D = c.in(1).val.dim(1);
  c.out.idx.resize(ids.size());
  for (int64_t i = 0; i < ids.size(); ++i) {
    const T id = ids.at(i);
    if (!(id >= T(0) && id < static_cast<T>(V)) || id != std::floor(id)) {
      throw std::invalid_argument("node '" + c.node.name + "' (embedding): id " +
                                  std::to_string(static_cast<double>(id)) + " at position " +
                                  std::to_string(i) + " is not an integer in [0, " +
                                  std::to_string(V) + ")");
    }
    const int64_t row = static_cast<int64_t>(id);
    c.out.idx[i] = row;
    const T* src = c.in(1).val.data() + row * D;
    std::copy(src, src + D, c.out.val.data() + i * D);
  }
}

// ẏ[i, :] = Ẇ[id_i, :]
template <class T>
void EmbeddingOp::tangent(OpCall<T>& c) {
  const int64_t D = c.in(1).val.dim(1), vw = c.in(1).val.size(), vy = c.out.val.size();
  const std::vector<int64_t>& rows = c.out.idx;
  for (int j = 0; j < c.k; ++j) {
    const T* wd = c.in(1).tan.data() + j * vw;
    T* yd = c.out.tan.data() + j * vy;
    for (size_t i = 0; i < rows.size(); ++i)
      std::copy(wd + rows[i] * D, wd + (rows[i] + 1) * D, yd + i * D);
  }
}

namespace {
// W̄[id_i, :] += ȳ[i, :]: scatter-add of rows.
template <class T>
void scatter_rows(const std::vector<int64_t>& rows, int64_t D, const T* src, T* dst) {
  for (size_t i = 0; i < rows.size(); ++i) {
    T* out = dst + rows[i] * D;
    const T* in = src + i * D;
    for (int64_t d = 0; d < D; ++d) out[d] += in[d];
  }
}
}  // namespace

// W̄[id_i, :] += ȳ[i, :]
template <class T>
void EmbeddingOp::adjoint(OpCall<T>& c) {
  if (!c.in(1).want_adj) return;
  scatter_rows(c.out.idx, c.in(1).val.dim(1), c.out.adj.data(), c.in(1).adj.data());
}

// W̄̇[id_i, :] += ȳ̇[i, :]   (linear in W: no curvature term)
template <class T>
void EmbeddingOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(1).want_adjt) return;
  const int64_t D = c.in(1).val.dim(1), vw = c.in(1).val.size(), vy = c.out.val.size();
  for (int j = 0; j < c.k; ++j) {
    scatter_rows(c.out.idx, D, c.out.adjt.data() + j * vy, c.in(1).adjt.data() + j * vw);
  }
}

HESS_INSTANTIATE_OP(EmbeddingOp)

}  // namespace hess
