// engine/ops/shape_ops: flatten, reshape, transpose, concat, slice, reduce_mean. Each is linear, so
// its value is checked element by element against index arithmetic written out here and its rules
// against central finite differences; attribute and shape errors must name the node.
#include <doctest/doctest.h>

#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

// The engine's value of the op at θ (flattened) and its output shape.
struct OpOut {
  Eigen::VectorXd y;
  Shape shape;
};

OpOut eval(OpKind k, const Attrs& a, const std::vector<OpInput>& in) {
  const OpModel om = op_model(k, a, in, 1);
  const int op = om.model.graph.find_node("op");
  return {outputs(om.model, om.data, om.model.theta),
          infer_shapes(om.model.graph, om.data.size())[op]};
}

// 0, 1, 2, ... as a parameter's values, so every output element tells where it came from.
OpInput iota(Shape s) {
  std::vector<double> v(numel(s));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  return OpInput{OpInput::Param, std::move(s), v};
}

Attrs ints(const std::string& key, std::vector<int64_t> v) {
  Attrs a;
  a.set(key, std::move(v));
  return a;
}
Attrs one(const std::string& key, int64_t v) {
  Attrs a;
  a.set(key, v);
  return a;
}

std::string named(OpKind k, const std::string& what) {
  return "node 'op' (" + std::string(name_of(k)) + "): " + what;
}

}  // namespace

TEST_CASE("flatten") {
  OpOut r = eval(OpKind::Flatten, {}, {iota({2, 3, 4})});
  CHECK(r.shape == Shape{2, 12});
  for (int64_t e = 0; e < 24; ++e) CHECK(r.y[e] == e);
  CHECK(eval(OpKind::Flatten, one("axis", 2), {iota({2, 3, 4})}).shape == Shape{6, 4});
  CHECK(eval(OpKind::Flatten, one("axis", 0), {iota({2, 3, 4})}).shape == Shape{1, 24});
  CHECK(eval(OpKind::Flatten, one("axis", -1), {iota({2, 3, 4})}).shape == Shape{6, 4});
  check_op(OpKind::Flatten, {}, {OpInput::param({2, 3, 2})}, 1);
  check_op(OpKind::Flatten, one("axis", 0), {OpInput::param({2, 3, 2})}, 2);
  check_op(OpKind::Flatten, one("axis", 2), {OpInput::param({2, 3, 2})}, 3);
  CHECK_THROWS_WITH_AS(eval(OpKind::Flatten, one("axis", 4), {iota({2, 3, 4})}),
                       doctest::Contains(named(OpKind::Flatten, "axis out of range").c_str()),
                       std::invalid_argument);
}

TEST_CASE("reshape with 0 and −1") {
  OpOut r = eval(OpKind::Reshape, ints("shape", {0, -1, 2}), {iota({2, 3, 4})});
  CHECK(r.shape == Shape{2, 6, 2});
  for (int64_t e = 0; e < 24; ++e) CHECK(r.y[e] == e);
  CHECK(eval(OpKind::Reshape, ints("shape", {-1}), {iota({2, 3, 4})}).shape == Shape{24});
  CHECK(eval(OpKind::Reshape, ints("shape", {0, 0, 2, 2}), {iota({2, 3, 4})}).shape ==
        Shape{2, 3, 2, 2});
  check_op(OpKind::Reshape, ints("shape", {0, -1}), {OpInput::param({2, 3, 2})}, 1);
  check_op(OpKind::Reshape, ints("shape", {0, 2, -1}), {OpInput::param({3, 2, 4})}, 2);
  CHECK_THROWS_WITH_AS(eval(OpKind::Reshape, ints("shape", {5, -1}), {iota({2, 3, 4})}),
                       doctest::Contains(named(OpKind::Reshape, "cannot infer -1").c_str()),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      eval(OpKind::Reshape, ints("shape", {-1, -1}), {iota({2, 3, 4})}),
      doctest::Contains(named(OpKind::Reshape, "shape has more than one -1").c_str()),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      eval(OpKind::Reshape, ints("shape", {5, 5}), {iota({2, 3, 4})}),
      doctest::Contains(named(OpKind::Reshape, "cannot reshape [2, 3, 4] to [5, 5]").c_str()),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval(OpKind::Reshape, ints("shape", {0, 0, 0, 0}), {iota({2, 3, 4})}),
                       doctest::Contains(named(OpKind::Reshape, "shape copies axis 3").c_str()),
                       std::invalid_argument);
}

TEST_CASE("transpose") {
  // y[i, j, l] = x[l, i, j] for perm [2, 0, 1]: x [2, 3, 4] -> y [4, 2, 3].
  OpOut r = eval(OpKind::Transpose, ints("perm", {2, 0, 1}), {iota({2, 3, 4})});
  REQUIRE(r.shape == Shape{4, 2, 3});
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      for (int64_t l = 0; l < 3; ++l) CHECK(r.y[(i * 2 + j) * 3 + l] == (j * 3 + l) * 4 + i);
    }
  }
  OpOut rev = eval(OpKind::Transpose, {}, {iota({2, 3})});
  CHECK(rev.shape == Shape{3, 2});
  CHECK(rev.y[1] == 3);  // y[0, 1] = x[1, 0]
  check_op(OpKind::Transpose, ints("perm", {2, 0, 1}), {OpInput::param({2, 3, 4})}, 1);
  check_op(OpKind::Transpose, ints("perm", {0, 2, 1}), {OpInput::param({2, 3, 4})}, 2);
  check_op(OpKind::Transpose, {}, {OpInput::param({3, 2})}, 3);
  CHECK_THROWS_WITH_AS(
      eval(OpKind::Transpose, ints("perm", {0, 0, 1}), {iota({2, 3, 4})}),
      doctest::Contains(named(OpKind::Transpose, "perm is not a permutation").c_str()),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval(OpKind::Transpose, ints("perm", {1, 0}), {iota({2, 3, 4})}),
                       doctest::Contains(named(OpKind::Transpose, "perm has 2 axes").c_str()),
                       std::invalid_argument);
}

TEST_CASE("concat of several inputs, some not varying") {
  // Along axis 1: [2, 1] ++ [2, 3] ++ [2, 2] -> [2, 6].
  OpOut r = eval(OpKind::Concat, one("axis", 1),
                 {iota({2, 1}), OpInput::constant({2, 3}, {10, 11, 12, 13, 14, 15}), iota({2, 2})});
  REQUIRE(r.shape == Shape{2, 6});
  const double ref[] = {0, 10, 11, 12, 0, 1, 1, 13, 14, 15, 2, 3};
  for (int64_t e = 0; e < 12; ++e) CHECK(r.y[e] == ref[e]);
  CHECK(eval(OpKind::Concat, one("axis", 0), {iota({1, 3}), iota({2, 3})}).shape == Shape{3, 3});
  check_op(OpKind::Concat, one("axis", 1),
           {OpInput::param({2, 1}), OpInput::constant({2, 3}, {1, 2, 3, 4, 5, 6}),
            OpInput::param({2, 2})},
           1);
  check_op(OpKind::Concat, one("axis", -1),
           {OpInput::data({2, 2}), OpInput::param({2, 2}), OpInput::param({2, 1})}, 2);
  check_op(OpKind::Concat, one("axis", 0), {OpInput::param({1, 2, 2}), OpInput::param({2, 2, 2})},
           3);
  check_op(OpKind::Concat, one("axis", 1),
           {OpInput::param({2, 1, 3}), OpInput::param({2, 2, 3}),
            OpInput::constant({2, 1, 3}, {1, 2, 3, 4, 5, 6}), OpInput::param({2, 3, 3})},
           4);
  CHECK_THROWS_WITH_AS(
      eval(OpKind::Concat, one("axis", 1), {iota({2, 1}), iota({3, 1})}),
      doctest::Contains(named(OpKind::Concat, "input [3, 1] does not match [2, 1]").c_str()),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval(OpKind::Concat, one("axis", 1), {iota({2, 1}), iota({2})}),
                       doctest::Contains(named(OpKind::Concat, "inputs differ in rank").c_str()),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval(OpKind::Concat, {}, {iota({2, 1}), iota({2, 1})}),
                       doctest::Contains(named(OpKind::Concat, "missing attribute 'axis'").c_str()),
                       std::invalid_argument);
}

TEST_CASE("slice with steps and negative indices") {
  // x [4, 6]; rows 1..3 step 2 -> {1, 3}; columns −5..−1 step 2 -> {1, 3}.
  Attrs a = ints("starts", {1, -5});
  a.set("ends", std::vector<int64_t>{4, -1});
  a.set("steps", std::vector<int64_t>{2, 2});
  OpOut r = eval(OpKind::Slice, a, {iota({4, 6})});
  REQUIRE(r.shape == Shape{2, 2});
  const double ref[] = {7, 9, 19, 21};
  for (int64_t e = 0; e < 4; ++e) CHECK(r.y[e] == ref[e]);
  // One axis given; ends beyond the extent clamp.
  Attrs b = ints("starts", {-2});
  b.set("ends", std::vector<int64_t>{100});
  b.set("axes", std::vector<int64_t>{-1});
  OpOut c = eval(OpKind::Slice, b, {iota({2, 5})});
  REQUIRE(c.shape == Shape{2, 2});
  const double ref_c[] = {3, 4, 8, 9};
  for (int64_t e = 0; e < 4; ++e) CHECK(c.y[e] == ref_c[e]);
  check_op(OpKind::Slice, a, {OpInput::param({4, 6})}, 1);
  Attrs d = ints("starts", {0, -3});
  d.set("ends", std::vector<int64_t>{3, 5});
  d.set("axes", std::vector<int64_t>{1, 2});
  d.set("steps", std::vector<int64_t>{2, 1});
  check_op(OpKind::Slice, d, {OpInput::param({2, 4, 5})}, 2);
  check_op(OpKind::Slice, b, {OpInput::param({3, 5})}, 3);
  Attrs neg = ints("starts", {3});
  neg.set("ends", std::vector<int64_t>{0});
  neg.set("steps", std::vector<int64_t>{-1});
  CHECK_THROWS_WITH_AS(eval(OpKind::Slice, neg, {iota({4, 6})}),
                       doctest::Contains(named(OpKind::Slice, "only positive slice steps").c_str()),
                       std::invalid_argument);
  Attrs mismatch = ints("starts", {0, 0});
  mismatch.set("ends", std::vector<int64_t>{1});
  CHECK_THROWS_WITH_AS(
      eval(OpKind::Slice, mismatch, {iota({4, 6})}),
      doctest::Contains(
          named(OpKind::Slice, "starts, ends, axes and steps differ in length").c_str()),
      std::invalid_argument);
}

TEST_CASE("reduce_mean with and without keepdims") {
  // x [2, 3, 4] over axes {1}: y[i, l] = mean_j x[i, j, l] = (i*12 + l) + 4.
  Attrs a = ints("axes", {1});
  OpOut keep = eval(OpKind::ReduceMean, a, {iota({2, 3, 4})});
  CHECK(keep.shape == Shape{2, 1, 4});
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t l = 0; l < 4; ++l) CHECK(keep.y[i * 4 + l] == doctest::Approx(i * 12 + l + 4));
  }
  a.set("keepdims", int64_t{0});
  CHECK(eval(OpKind::ReduceMean, a, {iota({2, 3, 4})}).shape == Shape{2, 4});
  OpOut all = eval(OpKind::ReduceMean, {}, {iota({2, 3, 4})});
  CHECK(all.shape == Shape{1, 1, 1});
  CHECK(all.y[0] == doctest::Approx(11.5));
  Attrs two = ints("axes", {0, -1});
  two.set("keepdims", int64_t{0});
  OpOut r2 = eval(OpKind::ReduceMean, two, {iota({2, 3, 4})});
  CHECK(r2.shape == Shape{3});
  for (int64_t j = 0; j < 3; ++j) CHECK(r2.y[j] == doctest::Approx(j * 4 + 7.5));

  check_op(OpKind::ReduceMean, ints("axes", {1}), {OpInput::param({2, 3, 4})}, 1);
  check_op(OpKind::ReduceMean, two, {OpInput::param({2, 3, 4})}, 2);
  check_op(OpKind::ReduceMean, {}, {OpInput::param({2, 3})}, 3);
  Attrs drop = ints("axes", {1, 2});
  drop.set("keepdims", int64_t{0});
  check_op(OpKind::ReduceMean, drop, {OpInput::param({3, 2, 4})}, 4);
  CHECK_THROWS_WITH_AS(eval(OpKind::ReduceMean, ints("axes", {3}), {iota({2, 3, 4})}),
                       doctest::Contains(named(OpKind::ReduceMean, "axis 3 out of range").c_str()),
                       std::invalid_argument);
}
