#pragma once
// Softmax and log-softmax along one axis.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(SoftmaxOp)
HESS_DECLARE_OP(LogSoftmaxOp)

}  // namespace hess
