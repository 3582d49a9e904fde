// engine/ops/activation: every activation's value, tangent, adjoint and adjoint-tangent rules
// against central finite differences (double), plus float against double.
#include <doctest/doctest.h>

#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {
constexpr double kKinkMargin = 0.1;  // inputs this far from the kink at 0
}  // namespace

TEST_CASE("smooth activations") {
  for (OpKind k : {OpKind::Tanh, OpKind::Sigmoid, OpKind::Gelu, OpKind::GeluTanh, OpKind::Silu,
                   OpKind::Softplus, OpKind::Dropout}) {
    CAPTURE(static_cast<int>(k));
    check_op(k, {}, {OpInput::param({3, 5}, 1.5)}, 2);
    check_op(k, {}, {OpInput::param({2, 3, 4}, 1.0, 0.3)}, 3);
  }
}

TEST_CASE("piecewise-linear activations away from their kink") {
  Attrs leaky;
  leaky.set("alpha", 0.2);
  check_op(OpKind::Relu, {}, {OpInput{OpInput::Param, {4, 6}, away_from_zero(24, 1, kKinkMargin)}},
           4);
  check_op(OpKind::LeakyRelu, leaky,
           {OpInput{OpInput::Param, {4, 6}, away_from_zero(24, 2, kKinkMargin)}}, 5);
}

TEST_CASE("softplus is stable for large inputs") {
  check_op(OpKind::Softplus, {}, {OpInput::param({2, 4}, 30.0)}, 6);
}
