#pragma once
// Elementwise activations y = f(x), each given by f, f' and f''.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(ReluOp)
HESS_DECLARE_OP(LeakyReluOp)
HESS_DECLARE_OP(TanhOp)
HESS_DECLARE_OP(SigmoidOp)
HESS_DECLARE_OP(GeluOp)
HESS_DECLARE_OP(GeluTanhOp)
HESS_DECLARE_OP(SiluOp)
HESS_DECLARE_OP(SoftplusOp)
HESS_DECLARE_OP(DropoutOp)

}  // namespace hess
