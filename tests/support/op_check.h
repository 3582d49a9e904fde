#pragma once
// Per-op derivative checks. An op under test gets a tiny model:
//
//   inputs (Param / Data / Constant) -> op(attrs) -> flatten -> mse against random targets
//
// Param inputs vary (θ is the concatenation of their values), a Data input is the graph's input X
// (it does not vary: the rules' "no tangent" paths), Constant inputs are fixed tensors (e.g. ids).
// The MSE loss makes both ȳ and ȳ̇ non-zero, so every term of every rule is exercised. The number
// of samples is the op output's first extent.
//
//   check_op(OpKind::Tanh, {}, {OpInput::param({3, 4})});
//
// checks, in double: gradient, HVP and JVP against central differences (relative error ≤ 1e-6),
// uᵀ(Hv) = vᵀ(Hu); and float against double.

#include <cstdint>
#include <vector>

#include "engine/attrs.h"
#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/op_kind.h"

namespace hess::test {

struct OpInput {
  enum Kind { Param, Data, Constant } kind = Param;
  Shape shape;
  std::vector<double> values;  // optional explicit values (else N(0,1) * scale + shift)
  double scale = 1.0;
  double shift = 0.0;
  static OpInput param(Shape s, double scale = 1.0, double shift = 0.0) {
    return {Param, std::move(s), {}, scale, shift};
  }
  static OpInput data(Shape s) { return {Data, std::move(s), {}, 1.0, 0.0}; }
  static OpInput constant(Shape s, std::vector<double> v) {
    return {Constant, std::move(s), std::move(v), 1.0, 0.0};
  }
};

// The test model for one op and its data set (one batch).
struct OpModel {
  Model model;
  Dataset data;
};
OpModel op_model(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
                 uint64_t seed);

// n values N(0, 1) pushed at least `margin` away from 0 (sign kept): inputs that keep finite
// differences off a kink (relu) or a pole (1/x).
std::vector<double> away_from_zero(int64_t n, uint64_t seed, double margin);

// The largest relative error of float against double, over the gradient and one HVP of the op's
// model (one batch): what float passes lose on this op's sums.
double float_error(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
                   uint64_t seed = 1);

// Runs the derivative checks with doctest CHECKs.
void check_op(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
              uint64_t seed = 1);

}  // namespace hess::test
