#pragma once
// 2-D convolution (stride, padding, dilation, groups) by im2col + GEMM.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(Conv2dOp)

}  // namespace hess
