#pragma once
// Normalization: batch norm in inference form (running statistics) and layer norm.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(BatchNormOp)
HESS_DECLARE_OP(LayerNormOp)

}  // namespace hess
