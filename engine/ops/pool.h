#pragma once
// Pooling over the spatial axes of [B, C, H, W]: max, average, global average.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(MaxPool2dOp)
HESS_DECLARE_OP(AvgPool2dOp)
HESS_DECLARE_OP(GlobalAvgPoolOp)

}  // namespace hess
