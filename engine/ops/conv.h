#pragma once
// 2-D convolution (stride, padding, dilation, groups) by im2col + GEMM.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(Conv2dOp)

// The value rule's op cache, the im2col columns of the input (out.aux), rebuilt from the input
// alone: a batch kept between products (engine/autodiff.h) drops them, as they take kh·kw times
// the input's memory, and rebuilds them with this.
template <class T>
void conv2d_columns(OpCall<T>& c);

}  // namespace hess
