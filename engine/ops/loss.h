#pragma once
// Losses: the sum over the batch of per-sample losses (the objective divides by N).

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(CrossEntropyOp)
HESS_DECLARE_OP(MseOp)

}  // namespace hess
