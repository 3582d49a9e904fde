#pragma once
// Elementwise binary arithmetic with NumPy broadcasting: add, sub, mul, div.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(AddOp)
HESS_DECLARE_OP(SubOp)
HESS_DECLARE_OP(MulOp)
HESS_DECLARE_OP(DivOp)

}  // namespace hess
