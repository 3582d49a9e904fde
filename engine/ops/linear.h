#pragma once
// Dense linear algebra: linear (x Wᵀ + b over the last axis) and batched matmul.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(LinearOp)
HESS_DECLARE_OP(MatMulOp)

// The exact GGN diagonal of a linear layer over a batch at once (BackPACK's DiagGGNExact for
// Linear): with x [B, in] and the k per-sample output columns ȳ̇ [k, B, out] of Jᵀ S backpropagated
// to the layer's output, sample n's weight derivative in column c is ȳ̇[c, n]ᵀ x[n], so
//   diag_W += scale Σ_n (Σ_c ȳ̇[c, n, o]²) x[n, i]²   (one GEMM of squared factors)
//   diag_b += scale Σ_n Σ_c ȳ̇[c, n, o]²
// after the layer's adjoint_tangent rule ran with out.adjt holding ȳ̇. `diag_b` may be null. Needs
// x of rank 2 (a sample per row) and W and b used by no other node.
template <class T>
void linear_ggn_diagonal(const OpCall<T>& c, double scale, double* diag_w, double* diag_b);

}  // namespace hess
