#pragma once
// 2-D convolution (stride, padding, dilation, groups): narrow stride-1 layers by direct kernels on
// padded planes (conv_direct.h), the others by im2col + GEMM.

#include "engine/ops/op_rules.h"
#include "engine/ops/window.h"

namespace hess {

HESS_DECLARE_OP(Conv2dOp)

// The value rule's op cache (out.aux), rebuilt from the input alone: the padded input planes
// (direct kernels) or the im2col columns, kh·kw times the input's memory. A batch kept between
// products (engine/autodiff.h) drops it and rebuilds it with this.
template <class T>
void conv2d_cache(OpCall<T>& c);

// Elements a conv2d node holds beyond its slots, for memory estimates: its op cache and its
// largest per-call temporaries (input [B, C, H, W], weight [O, C/groups, kh, kw]).
int64_t conv2d_work_elements(const Window2d& win, const Shape& x, const Shape& w, int64_t groups);

}  // namespace hess
