#pragma once
// Ops that move or select elements: flatten, reshape, transpose, concat, slice, reduce_mean.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(FlattenOp)
HESS_DECLARE_OP(ReshapeOp)
HESS_DECLARE_OP(TransposeOp)
HESS_DECLARE_OP(ConcatOp)
HESS_DECLARE_OP(SliceOp)
HESS_DECLARE_OP(ReduceMeanOp)

}  // namespace hess
