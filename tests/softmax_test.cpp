// engine/ops/softmax: softmax and log_softmax along one axis. Values against the formula evaluated
// here, derivative rules (including their curvature) against central finite differences on several
// axes, and shape errors naming the node.
#include <doctest/doctest.h>

#include <cmath>

#include "support/fd_check.h"
#include "support/op_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kValueTol = 1e-12;

Attrs with_axis(int64_t axis) {
  Attrs a;
  a.set("axis", axis);
  return a;
}

}  // namespace

TEST_CASE("softmax and log_softmax values along each axis") {
  const Shape s{2, 3, 4};
  const std::vector<int64_t> stride{12, 4, 1};
  for (OpKind k : {OpKind::Softmax, OpKind::LogSoftmax}) {
    for (int64_t axis : {0, 1, 2, -1, -2}) {
      CAPTURE(name_of(k));
      CAPTURE(axis);
      const OpModel om = op_model(k, with_axis(axis), {OpInput::param(s, 3.0)}, 4);
      const std::vector<double>& x = om.model.theta;
      const Eigen::VectorXd y = outputs(om.model, om.data, x);
      const int64_t a = axis < 0 ? axis + 3 : axis;
      for (int64_t e = 0; e < 24; ++e) {
        // Sum of exp over the vector along `a` through element e.
        const int64_t pos = (e / stride[a]) % s[a];
        const int64_t base = e - pos * stride[a];
        double z = 0;
        for (int64_t l = 0; l < s[a]; ++l) z += std::exp(x[base + l * stride[a]]);
        const double ref = k == OpKind::Softmax ? std::exp(x[e]) / z : x[e] - std::log(z);
        CHECK(y[e] == doctest::Approx(ref).epsilon(kValueTol));
      }
    }
  }
}

TEST_CASE("softmax of large logits does not overflow") {
  const std::vector<double> x{1000.0, 999.0, -1000.0};
  for (OpKind k : {OpKind::Softmax, OpKind::LogSoftmax}) {
    CAPTURE(name_of(k));
    const OpModel om = op_model(k, {}, {OpInput{OpInput::Param, {1, 3}, x}}, 1);
    const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
    REQUIRE(y.allFinite());
    // log Σ eˣ = 1000 + log(1 + e⁻¹) (the third term underflows).
    const double lse = 1000.0 + std::log1p(std::exp(-1.0));
    for (int e = 0; e < 2; ++e) {
      const double ref = k == OpKind::Softmax ? std::exp(x[e] - lse) : x[e] - lse;
      CHECK(y[e] == doctest::Approx(ref).epsilon(kValueTol));
    }
  }
}

TEST_CASE("softmax and log_softmax derivatives match finite differences on several axes") {
  uint64_t seed = 1;
  for (OpKind k : {OpKind::Softmax, OpKind::LogSoftmax}) {
    CAPTURE(name_of(k));
    check_op(k, {}, {OpInput::param({3, 5}, 1.5)}, seed++);
    check_op(k, with_axis(0), {OpInput::param({4, 3}, 1.5)}, seed++);
    check_op(k, with_axis(1), {OpInput::param({2, 3, 4})}, seed++);
    check_op(k, with_axis(-3), {OpInput::param({3, 2, 2})}, seed++);
    check_op(k, with_axis(2), {OpInput::param({2, 2, 4, 2})}, seed++);
  }
}

TEST_CASE("softmax and log_softmax refuse an axis out of range, naming the node") {
  for (OpKind k : {OpKind::Softmax, OpKind::LogSoftmax}) {
    CAPTURE(name_of(k));
    const std::string msg = "node 'op' (" + std::string(name_of(k)) + "): axis 3 out of range";
    CHECK_THROWS_WITH_AS(op_model(k, with_axis(3), {OpInput::param({2, 3, 4})}, 1),
                         doctest::Contains(msg.c_str()), std::invalid_argument);
    CHECK_THROWS_AS(op_model(k, with_axis(-4), {OpInput::param({2, 3, 4})}, 1),
                    std::invalid_argument);
  }
}
