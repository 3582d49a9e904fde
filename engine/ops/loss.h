#pragma once
// Losses: the sum over the batch of per-sample losses (the objective divides by N).

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(CrossEntropyOp)
HESS_DECLARE_OP(MseOp)

// A symmetric factor S of one sample's loss Hessian in the loss's input z (C outputs): H_ℓ = S Sᵀ,
// after the loss node's value pass. S is C x C, written column-major into `s` (column c at s + c
// C), for row `b` of the batch held in `loss` (the loss node's slot, whose aux the value pass
// filled).
//   cross_entropy  H_ℓ = diag(p) − p pᵀ,  S = diag(√p) − p √pᵀ   (S Sᵀ = diag(p) − 2 p pᵀ + p (Σp)
//   pᵀ) mse            H_ℓ = (2/C) I,        S = √(2/C) I
// Throws std::invalid_argument for an op that is not a loss.
template <class T>
void loss_hessian_factor(OpKind loss_op, const Slot<T>& loss, int64_t b, int64_t C, T* s);

}  // namespace hess
