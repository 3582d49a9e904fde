// engine/ops/linear: linear (x Wᵀ + b over the last axis) and batched matmul with broadcasting.
// Values against Eigen products written out here, derivative rules against central finite
// differences, shape errors naming the node.
#include <doctest/doctest.h>

#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kValueTol = 1e-12;

// The i-th input's values as op_model used them (Param inputs are θ in order).
std::vector<double> param_values(const OpModel& om, int i) {
  const Block& b = om.model.graph.blocks[om.model.graph.find_block("in" + std::to_string(i))];
  return {om.model.theta.begin() + b.offset, om.model.theta.begin() + b.offset + b.size()};
}

// The row-major matrix stored at p.
Eigen::MatrixXd as_matrix(const double* p, int64_t rows, int64_t cols) {
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      p, rows, cols);
}

}  // namespace

TEST_CASE("linear value is x Wᵀ + b over the last axis") {
  const OpModel om =
      op_model(OpKind::Linear, {},
               {OpInput::param({2, 3, 4}), OpInput::param({5, 4}), OpInput::param({5})}, 1);
  const Eigen::MatrixXd x = as_matrix(param_values(om, 0).data(), 6, 4);
  const Eigen::MatrixXd W = as_matrix(param_values(om, 1).data(), 5, 4);
  const std::vector<double> bv = param_values(om, 2);
  const Eigen::RowVectorXd b = Eigen::Map<const Eigen::RowVectorXd>(bv.data(), 5);
  const Eigen::MatrixXd ref = (x * W.transpose()).rowwise() + b;
  const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
  REQUIRE(y.size() == 30);
  CHECK(rel_err(as_matrix(y.data(), 6, 5), ref) < kValueTol);
}

TEST_CASE("linear derivatives match finite differences") {
  SUBCASE("2-D input with bias") {
    check_op(OpKind::Linear, {},
             {OpInput::param({4, 3}), OpInput::param({2, 3}), OpInput::param({2})}, 1);
  }
  SUBCASE("2-D input without bias") {
    check_op(OpKind::Linear, {}, {OpInput::param({3, 5}), OpInput::param({4, 5})}, 2);
  }
  SUBCASE("3-D input with bias") {
    check_op(OpKind::Linear, {},
             {OpInput::param({2, 3, 4}), OpInput::param({3, 4}), OpInput::param({3})}, 3);
  }
  SUBCASE("3-D input without bias") {
    check_op(OpKind::Linear, {}, {OpInput::param({2, 2, 3}), OpInput::param({4, 3})}, 4);
  }
  SUBCASE("data input, parameter weight and bias") {
    check_op(OpKind::Linear, {},
             {OpInput::data({5, 3}), OpInput::param({2, 3}), OpInput::param({2})}, 5);
  }
  SUBCASE("3-D data input, no bias") {
    check_op(OpKind::Linear, {}, {OpInput::data({2, 3, 4}), OpInput::param({3, 4})}, 6);
  }
  SUBCASE("parameter input, constant weight") {
    check_op(OpKind::Linear, {},
             {OpInput::param({3, 2}), OpInput::constant({2, 2}, {1.0, -2.0, 0.5, 3.0}),
              OpInput::param({2})},
             7);
  }
}

TEST_CASE("matmul value is the batched product with broadcast leading axes") {
  const OpModel om =
      op_model(OpKind::MatMul, {}, {OpInput::param({3, 1, 2, 4}), OpInput::param({2, 4, 5})}, 2);
  const std::vector<double> a = param_values(om, 0), b = param_values(om, 1);
  const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
  REQUIRE(y.size() == 3 * 2 * 2 * 5);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      const Eigen::MatrixXd ref =
          as_matrix(a.data() + i * 8, 2, 4) * as_matrix(b.data() + j * 20, 4, 5);
      const Eigen::MatrixXd got = as_matrix(y.data() + (i * 2 + j) * 10, 2, 5);
      CHECK(rel_err(got, ref) < kValueTol);
    }
  }
}

TEST_CASE("matmul derivatives match finite differences") {
  SUBCASE("plain 2-D, both operands vary") {
    check_op(OpKind::MatMul, {}, {OpInput::param({3, 4}), OpInput::param({4, 2})}, 1);
  }
  SUBCASE("same leading axes") {
    check_op(OpKind::MatMul, {}, {OpInput::param({2, 3, 4}), OpInput::param({2, 4, 3})}, 2);
  }
  SUBCASE("right operand broadcast over the batch") {
    check_op(OpKind::MatMul, {}, {OpInput::param({2, 3, 4}), OpInput::param({4, 2})}, 3);
  }
  SUBCASE("left operand broadcast") {
    check_op(OpKind::MatMul, {}, {OpInput::param({3, 2}), OpInput::param({2, 2, 4})}, 4);
  }
  SUBCASE("both broadcast: [3,1,2,3] x [2,3,2]") {
    check_op(OpKind::MatMul, {}, {OpInput::param({3, 1, 2, 3}), OpInput::param({2, 3, 2})}, 5);
  }
  SUBCASE("data left operand") {
    check_op(OpKind::MatMul, {}, {OpInput::data({2, 3, 4}), OpInput::param({4, 2})}, 6);
  }
  SUBCASE("data right operand") {
    check_op(OpKind::MatMul, {}, {OpInput::param({3, 4}), OpInput::data({2, 4, 3})}, 7);
  }
}

TEST_CASE("linear and matmul refuse shapes that do not fit, naming the node") {
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::Linear, {}, {OpInput::param({2, 3}), OpInput::param({4, 5})}, 1),
      doctest::Contains("node 'op' (linear): input [2, 3] does not have 5 features"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::Linear, {}, {OpInput::param({2, 3}), OpInput::param({3})}, 1),
      doctest::Contains("node 'op' (linear): weight must be 2-D"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::Linear, {},
               {OpInput::param({2, 3}), OpInput::param({4, 3}), OpInput::param({3})}, 1),
      doctest::Contains("node 'op' (linear): bias [3] does not match weight [4, 3]"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::MatMul, {}, {OpInput::param({2, 3}), OpInput::param({4, 2})}, 1),
      doctest::Contains("node 'op' (matmul): inner dimensions"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::MatMul, {}, {OpInput::param({3, 2, 3}), OpInput::param({2, 3, 2})}, 1),
      doctest::Contains("node 'op' (matmul): shapes [3] and [2] do not broadcast"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::MatMul, {}, {OpInput::param({3}), OpInput::param({3, 2})}, 1),
      doctest::Contains("node 'op' (matmul): operands must have at least 2 axes"),
      std::invalid_argument);
}
