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

// ReLU's op cache (out.aux = f′ = [x > 0], equal to [y > 0]) from its output alone, as its value
// rule makes it: a batch kept between products (engine/autodiff.h) drops it and rebuilds it with
// this.
template <class T>
void relu_cache(OpCall<T>& c);

}  // namespace hess
