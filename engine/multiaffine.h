#pragma once
// Whether a network's output is affine in every single parameter, read from the op table.
//
// The loss Hessian splits as H = G + Σ_n Σ_c (∂ℓ_n/∂z_c) ∇²_θ z_nc, G the generalized Gauss-Newton
// matrix Jᵀ H_ℓ J. When the output z is affine in each scalar parameter θᵢ with the others held
// fixed, ∂²z/∂θᵢ² = 0, so diag(H) = diag(G) exactly and the exact GGN diagonal is the Hessian's
// (the off-diagonal curvature ∂²z/∂θᵢ∂θⱼ may remain). That holds when, on every path from a
// parameter to the output,
//   * each op is affine in each of its varying inputs (the op table's AffineInputs: linear, conv,
//     matmul, mul, add, relu, max pooling, batch_norm in x, γ, β, reshapes; not tanh, softmax,
//     layer_norm or batch_norm's σ²), and
//   * an op with a curvature term (OpCurvature Bilinear: a product of inputs) never receives two
//     varying inputs that depend on a common parameter block (x·x, a weight used twice in a
//     product); jointly linear ops (None: add, concat) may.
// ReLU and max-pool networks are affine almost everywhere (piecewise), as the engine's rules treat
// them. The loss node itself is excluded: its curvature is G's.
//
//   hess::Multiaffinity m = hess::check_multiaffine(graph);
//   if (!m.holds) std::cerr << m.reason;   // "node 'act1' (tanh) is not affine in its input 0"

#include <string>

#include "engine/graph.h"

namespace hess {

struct Multiaffinity {
  bool holds = false;
  std::string reason;  // when it does not hold: the first node that breaks it, and why
};

Multiaffinity check_multiaffine(const Graph& graph);

}  // namespace hess
