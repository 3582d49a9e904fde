#pragma once
// Normalization: batch norm in inference form (running statistics) and layer norm.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(BatchNormOp)
HESS_DECLARE_OP(LayerNormOp)

// BatchNorm's op cache (out.aux = [x̂ | s]) from its input alone, as its value rule makes it: a
// batch kept between products (engine/autodiff.h) drops it and rebuilds it with this.
template <class T>
void batch_norm_cache(OpCall<T>& c);

}  // namespace hess
