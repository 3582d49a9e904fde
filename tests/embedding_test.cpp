// engine/ops/embedding: rows of the table selected by ids. Values against the table, derivative
// rules against central finite differences, and the errors: ids out of range or not integers, ids
// that depend on θ, tables that are not 2-D.
#include <doctest/doctest.h>

#include "engine/random.h"
#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

// n integer ids in [0, V), each id at least once when n ≥ V (so repeated ids accumulate).
std::vector<double> ids(int64_t n, int64_t V, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<double>(i < V ? i : rng.below(V));
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[rng.below(i + 1)]);
  return v;
}

}  // namespace

TEST_CASE("embedding value is the selected rows of the table") {
  const int64_t V = 5, D = 3;
  const std::vector<double> id = ids(8, V, 1);
  const OpModel om =
      op_model(OpKind::Embedding, {}, {OpInput::constant({2, 4}, id), OpInput::param({V, D})}, 2);
  const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
  REQUIRE(y.size() == 8 * D);
  for (int64_t i = 0; i < 8; ++i) {
    for (int64_t d = 0; d < D; ++d)
      CHECK(y[i * D + d] == om.model.theta[static_cast<int64_t>(id[i]) * D + d]);
  }
}

TEST_CASE("embedding derivatives match finite differences") {
  SUBCASE("constant ids, repeated") {
    check_op(OpKind::Embedding, {},
             {OpInput::constant({2, 5}, ids(10, 4, 3)), OpInput::param({4, 3})}, 1);
  }
  SUBCASE("ids from the data X") {
    check_op(OpKind::Embedding, {},
             {OpInput{OpInput::Data, {3, 4}, ids(12, 6, 4)}, OpInput::param({6, 2})}, 2);
  }
  SUBCASE("some rows unused") {
    check_op(OpKind::Embedding, {}, {OpInput::constant({3}, {0, 0, 2}), OpInput::param({5, 4})}, 3);
  }
}

TEST_CASE("embedding ids out of range or not integers are errors naming the id") {
  auto eval = [](std::vector<double> id) {
    const OpModel om =
        op_model(OpKind::Embedding, {}, {OpInput::constant({3}, id), OpInput::param({4, 2})}, 1);
    auto obj = double_objective(om.model, om.data);
    obj->value();
  };
  CHECK_NOTHROW(eval({0, 3, 1}));
  CHECK_THROWS_WITH_AS(eval({0, 4, 1}), doctest::Contains("node 'op' (embedding): id 4"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval({-1, 0, 1}), doctest::Contains("id -1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval({0, 1.5, 1}), doctest::Contains("id 1.5"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(eval({0, 1, std::nan("")}), doctest::Contains("nan"), std::invalid_argument);
}

TEST_CASE("embedding refuses ids that depend on θ and tables that are not 2-D") {
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::Embedding, {}, {OpInput::param({3}), OpInput::param({4, 2})}, 1),
      doctest::Contains("node 'op' (embedding): ids (input 1) depend on the parameters"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      op_model(OpKind::Embedding, {}, {OpInput::constant({2}, {0, 1}), OpInput::param({4})}, 1),
      doctest::Contains("node 'op' (embedding): table must be 2-D"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(op_model(OpKind::Embedding, {},
                                {OpInput::constant({2}, {0, 1}), OpInput::param({4, 2, 2})}, 1),
                       doctest::Contains("node 'op' (embedding): table must be 2-D"),
                       std::invalid_argument);
}
