// engine/ops/norm: batch_norm (inference form) and layer_norm. Values against a direct evaluation
// of the formulas, derivative rules (gradient, HVP, JVP, k columns, float) against central finite
// differences, and shape errors naming the node.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/random.h"
#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kValueTol = 1e-12;
// Float against double on a batch whose sums run over 50,000 terms: float rounding of the terms,
// not of the running sum.
constexpr double kLongSumFloatTol = 1e-6;

// Per-channel running statistics: means N(0, 1), variances in [0.5, 2.5).
OpInput running_mean(int64_t C, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> v(C);
  for (double& x : v) x = rng.normal();
  return OpInput::constant({C}, v);
}
OpInput running_var(int64_t C, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> v(C);
  for (double& x : v) x = 0.5 + 2.0 * rng.uniform();
  return OpInput::constant({C}, v);
}

std::vector<OpInput> batch_norm_inputs(OpInput x, int64_t C) {
  return {std::move(x), OpInput::param({C}, 0.8, 1.0), OpInput::param({C}, 0.5),
          running_mean(C, 21), running_var(C, 22)};
}

Attrs with_axis(int64_t axis) {
  Attrs a;
  a.set("axis", axis);
  return a;
}

// The value of the op of `om` at its θ, flattened, from the engine.
Eigen::VectorXd op_value(const OpModel& om) {
  return outputs(om.model, om.data, om.model.theta);
}

// The op's inputs as given to op_model: the i-th Param's slice of θ, or the constant's / data's
// values.
std::vector<double> input_values(const OpModel& om, const std::vector<OpInput>& inputs, size_t i) {
  if (inputs[i].kind == OpInput::Param) {
    const Block& b = om.model.graph.blocks[om.model.graph.find_block("in" + std::to_string(i))];
    return {om.model.theta.begin() + b.offset, om.model.theta.begin() + b.offset + b.size()};
  }
  if (inputs[i].kind == OpInput::Data) return {om.data.x.begin(), om.data.x.end()};
  return inputs[i].values;
}

}  // namespace

TEST_CASE("batch_norm value is γ (x − mean)/√(var + ε) + β per channel") {
  const double eps = 1e-3;
  Attrs a;
  a.set("epsilon", eps);
  const int64_t B = 2, C = 3, S = 4;
  const std::vector<OpInput> in = batch_norm_inputs(OpInput::param({B, C, 2, 2}), C);
  const OpModel om = op_model(OpKind::BatchNorm, a, in, 5);
  const std::vector<double> x = input_values(om, in, 0), g = input_values(om, in, 1),
                            b = input_values(om, in, 2), mu = input_values(om, in, 3),
                            var = input_values(om, in, 4);
  const Eigen::VectorXd y = op_value(om);
  REQUIRE(y.size() == B * C * S);
  for (int64_t n = 0; n < B; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t e = (n * C + c) * S + s;
        CHECK(y[e] == doctest::Approx(g[c] * (x[e] - mu[c]) / std::sqrt(var[c] + eps) + b[c])
                          .epsilon(kValueTol));
      }
    }
  }
}

TEST_CASE("batch_norm derivatives match finite differences") {
  SUBCASE("rank 2, every input a parameter") {
    check_op(OpKind::BatchNorm, {}, batch_norm_inputs(OpInput::param({4, 3}), 3), 1);
  }
  SUBCASE("rank 3") {
    check_op(OpKind::BatchNorm, {}, batch_norm_inputs(OpInput::param({2, 3, 5}, 2.0, 0.5), 3), 2);
  }
  SUBCASE("rank 4 with epsilon") {
    Attrs a;
    a.set("epsilon", 0.1);
    check_op(OpKind::BatchNorm, a, batch_norm_inputs(OpInput::param({2, 4, 3, 2}), 4), 3);
  }
  SUBCASE("data input: only γ and β vary") {
    check_op(OpKind::BatchNorm, {}, batch_norm_inputs(OpInput::data({3, 2, 4}), 2), 4);
  }
  SUBCASE("x varies, γ and β fixed") {
    check_op(OpKind::BatchNorm, {},
             {OpInput::param({3, 2, 2}), OpInput::constant({2}, {1.5, -0.7}),
              OpInput::constant({2}, {0.1, 0.2}), running_mean(2, 5), running_var(2, 6)},
             5);
  }
}

TEST_CASE("batch_norm in float sums each channel's B·H·W terms without float's growing error") {
  // 64 images of 28×28 in 2 channels: 50,176 terms in each channel's γ and β derivatives, where a
  // float running sum loses about √n·ε ≈ 1e-5 relative.
  const double err =
      float_error(OpKind::BatchNorm, {}, batch_norm_inputs(OpInput::data({64, 2, 28, 28}), 2), 31);
  MESSAGE("float against double: " << err);
  CHECK(err < kLongSumFloatTol);
}

TEST_CASE("batch_norm refuses shapes that do not fit, naming the node") {
  auto build = [](std::vector<OpInput> in) { return op_model(OpKind::BatchNorm, {}, in, 1); };
  CHECK_THROWS_WITH_AS(build(batch_norm_inputs(OpInput::param({4}), 4)),
                       doctest::Contains("node 'op' (batch_norm)"), std::invalid_argument);
  std::vector<OpInput> in = batch_norm_inputs(OpInput::param({2, 3, 4}), 3);
  in[1] = OpInput::param({4});
  CHECK_THROWS_WITH_AS(build(in), doctest::Contains("weight [4] must be [3]"),
                       std::invalid_argument);
  in = batch_norm_inputs(OpInput::param({2, 3, 4}), 3);
  in[4] = running_var(2, 1);
  CHECK_THROWS_WITH_AS(build(in), doctest::Contains("running variance [2]"), std::invalid_argument);
  in = batch_norm_inputs(OpInput::param({2, 3}), 3);
  in[3] = OpInput::param({3});
  CHECK_THROWS_WITH_AS(build(in), doctest::Contains("node 'op' (batch_norm): running statistics"),
                       std::invalid_argument);
  Attrs bad;
  bad.set("epsilon", -1.0);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::BatchNorm, bad, batch_norm_inputs(OpInput::param({2, 3}), 3), 1),
      doctest::Contains("node 'op' (batch_norm): epsilon"), std::invalid_argument);
}

TEST_CASE("batch_norm with a negative running variance is an error naming the node") {
  std::vector<OpInput> in = batch_norm_inputs(OpInput::param({2, 2}), 2);
  in[4] = OpInput::constant({2}, {1.0, -3.0});
  const OpModel om = op_model(OpKind::BatchNorm, {}, in, 1);
  auto obj = double_objective(om.model, om.data);
  CHECK_THROWS_WITH_AS(obj->value(), doctest::Contains("node 'op' (batch_norm): running variance"),
                       std::invalid_argument);
}

TEST_CASE("layer_norm value normalizes over axis…end") {
  const double eps = 1e-5;
  for (int64_t axis : {-1, 1, -2}) {
    CAPTURE(axis);
    const int64_t G = 2;           // groups (axes before the normalized ones)
    const Shape x_shape{G, 3, 4};  // axis 1 / −2: normalized [3, 4]; axis −1: [4]
    const int64_t first = axis < 0 ? axis + 3 : axis;
    const Shape norm(x_shape.begin() + first, x_shape.end());
    const std::vector<OpInput> in = {OpInput::param(x_shape, 2.0, 1.0),
                                     OpInput::param(norm, 0.5, 1.0), OpInput::param(norm)};
    const OpModel om = op_model(OpKind::LayerNorm, with_axis(axis), in, 7);
    const std::vector<double> x = input_values(om, in, 0), g = input_values(om, in, 1),
                              b = input_values(om, in, 2);
    const Eigen::VectorXd y = op_value(om);
    const int64_t N = numel(norm), groups = numel(x_shape) / N;
    for (int64_t m = 0; m < groups; ++m) {
      double mu = 0, var = 0;
      for (int64_t i = 0; i < N; ++i) mu += x[m * N + i] / N;
      for (int64_t i = 0; i < N; ++i) var += (x[m * N + i] - mu) * (x[m * N + i] - mu) / N;
      for (int64_t i = 0; i < N; ++i) {
        const double ref = g[i] * (x[m * N + i] - mu) / std::sqrt(var + eps) + b[i];
        CHECK(y[m * N + i] == doctest::Approx(ref).epsilon(kValueTol));
      }
    }
  }
}

TEST_CASE("layer_norm derivatives, including its curvature, match finite differences") {
  SUBCASE("last axis") {
    check_op(OpKind::LayerNorm, {},
             {OpInput::param({3, 5}, 1.5, 0.7), OpInput::param({5}, 0.5, 1.0), OpInput::param({5})},
             1);
  }
  SUBCASE("two normalized axes") {
    check_op(OpKind::LayerNorm, with_axis(1),
             {OpInput::param({2, 3, 4}), OpInput::param({3, 4}, 0.5, 1.0), OpInput::param({3, 4})},
             2);
  }
  SUBCASE("negative axis −2 of rank 4") {
    check_op(OpKind::LayerNorm, with_axis(-2),
             {OpInput::param({2, 2, 3, 2}, 3.0), OpInput::param({3, 2}, 0.5, 1.0),
              OpInput::param({3, 2})},
             3);
  }
  SUBCASE("large epsilon") {
    Attrs a;
    a.set("epsilon", 0.5);
    check_op(OpKind::LayerNorm, a,
             {OpInput::param({4, 3}), OpInput::param({3}, 0.5, 1.0), OpInput::param({3})}, 4);
  }
  SUBCASE("data input: only γ and β vary") {
    check_op(OpKind::LayerNorm, {},
             {OpInput::data({3, 2, 6}), OpInput::param({6}, 0.5, 1.0), OpInput::param({6})}, 5);
  }
  SUBCASE("x varies, γ and β constant") {
    check_op(OpKind::LayerNorm, {},
             {OpInput::param({3, 4}), OpInput::constant({4}, {1.0, -2.0, 0.5, 3.0}),
              OpInput::constant({4}, {0.0, 1.0, 0.0, -1.0})},
             6);
  }
}

TEST_CASE("layer_norm refuses shapes that do not fit, naming the node") {
  auto build = [](const Attrs& a, std::vector<OpInput> in) {
    return op_model(OpKind::LayerNorm, a, in, 1);
  };
  CHECK_THROWS_WITH_AS(
      build({}, {OpInput::param({2, 4}), OpInput::param({3}), OpInput::param({4})}),
      doctest::Contains("node 'op' (layer_norm): weight [3] must be [4]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      build(with_axis(1), {OpInput::param({2, 3, 4}), OpInput::param({3, 4}), OpInput::param({4})}),
      doctest::Contains("node 'op' (layer_norm): bias [4] must be [3, 4]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      build(with_axis(3), {OpInput::param({2, 3, 4}), OpInput::param({4}), OpInput::param({4})}),
      doctest::Contains("node 'op' (layer_norm): axis 3 out of range"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      build(with_axis(-4), {OpInput::param({2, 3, 4}), OpInput::param({4}), OpInput::param({4})}),
      doctest::Contains("axis -4 out of range"), std::invalid_argument);
}
