// engine/ops/binary: add, sub, mul, div with NumPy broadcasting. Values against the elementwise
// formula with broadcasting written out here, derivative rules against central finite differences
// (div with denominators away from zero), shape errors naming the node.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/graph_builder.h"
#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kValueTol = 1e-12;
constexpr double kMinDenominator = 0.5;

const OpKind kBinary[] = {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div};

OpInput denominator(Shape s, uint64_t seed) {
  const int64_t n = numel(s);
  return OpInput{OpInput::Param, std::move(s), away_from_zero(n, seed, kMinDenominator)};
}

double apply(OpKind k, double a, double b) {
  switch (k) {
    case OpKind::Add:
      return a + b;
    case OpKind::Sub:
      return a - b;
    case OpKind::Mul:
      return a * b;
    default:
      return a / b;
  }
}

// The broadcasting patterns: (a shape, b shape).
struct Pattern {
  Shape a, b;
};
const Pattern kPatterns[] = {
    {{3, 4}, {3, 4}},        // same shape
    {{3, 4}, {4}},           // row vector
    {{2, 3, 4}, {3, 1}},     // column, lower rank
    {{2, 1, 4}, {3, 1}},     // both stretch
    {{1}, {2, 3}},           // one element on the left
    {{2, 3, 1}, {1, 1, 5}},  // outer product
};

}  // namespace

TEST_CASE("binary op values broadcast like NumPy") {
  // a [2, 1, 3], b [4, 1]: y[i, j, l] = a[i, 0, l] ∘ b[j, 0].
  for (OpKind k : kBinary) {
    CAPTURE(name_of(k));
    const OpModel om = op_model(k, {}, {OpInput::param({2, 1, 3}), denominator({4, 1}, 3)}, 1);
    const std::vector<double>& th = om.model.theta;  // a (6 values) then b (4)
    const Eigen::VectorXd y = outputs(om.model, om.data, th);
    REQUIRE(y.size() == 24);
    for (int64_t i = 0; i < 2; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        for (int64_t l = 0; l < 3; ++l) {
          CHECK(y[(i * 4 + j) * 3 + l] ==
                doctest::Approx(apply(k, th[i * 3 + l], th[6 + j])).epsilon(kValueTol));
        }
      }
    }
  }
}

TEST_CASE("binary op derivatives match finite differences for every broadcasting pattern") {
  uint64_t seed = 1;
  for (OpKind k : kBinary) {
    for (const Pattern& p : kPatterns) {
      CAPTURE(name_of(k));
      CAPTURE(to_string(p.a));
      CAPTURE(to_string(p.b));
      check_op(k, {}, {OpInput::param(p.a, 1.0, 0.2), denominator(p.b, seed)}, seed);
      ++seed;
    }
  }
}

TEST_CASE("binary ops with one operand fixed") {
  for (OpKind k : kBinary) {
    CAPTURE(name_of(k));
    // data a [B, 4] broadcast against a parameter b [4]
    check_op(k, {}, {OpInput::data({3, 4}), denominator({4}, 10)}, 11);
    // parameter a against a constant b [2, 1]
    check_op(k, {}, {OpInput::param({2, 3}), OpInput::constant({2, 1}, {0.7, -1.3})}, 12);
    // constant a against a parameter b
    check_op(k, {}, {OpInput::constant({1, 3}, {0.5, -2.0, 1.5}), denominator({2, 3}, 13)}, 14);
  }
}

TEST_CASE("binary ops refuse shapes that do not broadcast, naming the node") {
  for (OpKind k : kBinary) {
    CAPTURE(name_of(k));
    const std::string msg =
        "node 'op' (" + std::string(name_of(k)) + "): shapes [3, 4] and [5] do not broadcast";
    CHECK_THROWS_WITH_AS(op_model(k, {}, {OpInput::param({3, 4}), OpInput::param({5})}, 1),
                         doctest::Contains(msg.c_str()), std::invalid_argument);
    CHECK_THROWS_AS(op_model(k, {}, {OpInput::param({2, 3, 4}), OpInput::param({3, 3})}, 1),
                    std::invalid_argument);
  }
}

TEST_CASE("binary ops with the same node as both operands") {
  // y = x ∘ x: both operand rules accumulate into one slot. x + x and x·x against finite
  // differences; x − x and x / x are constant, so every derivative must vanish.
  for (OpKind k : kBinary) {
    CAPTURE(name_of(k));
    GraphBuilder b({6});
    b.set_targets(6);
    const int x = b.param("x", {2, 3}, BlockRole::Other, Init::constant(0.0));
    Attrs rows;
    rows.set("shape", std::vector<int64_t>{1, 6});
    const int y = b.op(OpKind::Reshape, {b.op(k, {x, x})}, rows);
    Model m = b.finish(b.op(OpKind::Add, {y, b.input()}), LossKind::Mse, 1);
    m.theta = away_from_zero(6, 20, kMinDenominator);
    Dataset d = random_dataset(m.graph, 1, 0, 21);
    for (float& v : d.x) v = 0.0f;
    auto obj = double_objective(m, d);
    Eigen::VectorXd g(6), hv(6);
    obj->gradient(g.data());
    const Eigen::VectorXd v = random_vector(6, 22);
    obj->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
    const Eigen::VectorXd jv = engine_jvp(m, d, v);
    if (k == OpKind::Add || k == OpKind::Mul) {
      CHECK(rel_err(g, fd_gradient(*obj, m.theta)) < kFdRelTol);
      CHECK(rel_err(hv, fd_hvp(*obj, m.theta, v)) < kFdRelTol);
      CHECK(rel_err(jv, fd_jvp(m, d, v)) < kFdRelTol);
    } else {
      CHECK(g.norm() < kValueTol);
      CHECK(hv.norm() < kValueTol);
      CHECK(jv.norm() < kValueTol);
    }
  }
}
