#pragma once
// Dense linear algebra: linear (x Wᵀ + b over the last axis) and batched matmul.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(LinearOp)
HESS_DECLARE_OP(MatMulOp)

}  // namespace hess
