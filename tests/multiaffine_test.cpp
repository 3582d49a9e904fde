// engine/multiaffine: which networks the op table shows to be affine in each parameter (so that
// diag(H) = diag(GGN)), and the node named when one is not; checked against the dense Hessian and
// GGN diagonals of each kind of network.
#include <doctest/doctest.h>

#include <string>

#include "engine/arch.h"
#include "engine/curvature_operator.h"
#include "engine/multiaffine.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

Model arch(const std::string& spec) {
  ArchOptions o;
  o.seed = 3;
  return build_arch(spec, o);
}

// max |diag(H) − diag(G)| / max |diag(H)| on random data.
double diagonal_gap(const Model& m, int64_t classes, int64_t id_range = 0) {
  const Dataset d = random_dataset(m.graph, 6, classes, 17, id_range);
  auto obj = double_objective(m, d, 4);
  const Eigen::VectorXd h = assemble_dense(ObjectiveOperator(*obj, Curvature::Hessian)).diagonal();
  const Eigen::VectorXd g = assemble_dense(ObjectiveOperator(*obj, Curvature::GGN)).diagonal();
  return (h - g).cwiseAbs().maxCoeff() / h.cwiseAbs().maxCoeff();
}

constexpr double kEqualDiagonals = 1e-12;
constexpr double kDifferentDiagonals = 1e-6;

}  // namespace

TEST_CASE("ReLU, max-pool, conv, linear and BatchNorm networks are multiaffine") {
  struct Case {
    const char* name;
    Model model;
    int64_t classes;
  };
  const Case cases[] = {
      {"mlp relu", arch("mlp:6-12-10-4:relu"), 4},
      {"mlp leaky_relu", arch("mlp:6-12-4:leaky_relu"), 4},
      {"cnn relu max-pool", arch("cnn:1x8x8-c4k3-pool2-c6k3p1-5:relu"), 5},
      {"cnn relu max-pool batchnorm", maxpool_bn_cnn(OpKind::Relu, 2), 5},
      {"resnet relu batchnorm", arch("resnet:1x6x6-w4-b1-3"), 3},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    const Multiaffinity m = check_multiaffine(c.model.graph);
    CHECK(m.holds);
    CHECK(m.reason.empty());
    CHECK(diagonal_gap(c.model, c.classes) < kEqualDiagonals);
  }
}

TEST_CASE("smooth activations, softmax attention and norms over parameters are not") {
  struct Case {
    const char* name;
    Model model;
    int64_t classes, id_range;
    const char* names;  // in the reason
  };
  const Case cases[] = {
      {"mlp tanh", arch("mlp:6-12-4:tanh"), 4, 0, "(tanh) is not affine in its input 0"},
      {"cnn tanh", maxpool_bn_cnn(OpKind::Tanh, 2), 5, 0, "(tanh)"},
      {"transformer", arch("transformer:s4-v7-d8-h2-f16-3"), 3, 7, "is not affine"},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    const Multiaffinity m = check_multiaffine(c.model.graph);
    CHECK_FALSE(m.holds);
    CHECK(m.reason.find(c.names) != std::string::npos);
    CHECK(diagonal_gap(c.model, c.classes, c.id_range) > kDifferentDiagonals);
  }
}

TEST_CASE("a parameter used twice in a product breaks it; twice in a sum does not") {
  // y = (W x) ⊙ (W x): quadratic in W.
  GraphBuilder b({3});
  const int h = b.linear(b.input(), 3, 3, "fc", false);
  const Model square = b.finish(b.op(OpKind::Mul, {h, h}, {}, "square"), LossKind::Mse, 1);
  const Multiaffinity m = check_multiaffine(square.graph);
  CHECK_FALSE(m.holds);
  CHECK(m.reason ==
        "node 'square' (mul) multiplies inputs 0 and 1 that both depend on 'fc.weight'");

  // y = W x + W x: still affine in W.
  GraphBuilder s({3});
  const int g = s.linear(s.input(), 3, 3, "fc", false);
  const Model sum = s.finish(s.op(OpKind::Add, {g, g}, {}, "twice"), LossKind::Mse, 1);
  CHECK(check_multiaffine(sum.graph).holds);
}

TEST_CASE("the split of the curvature operators follows the check") {
  const Model relu = arch("mlp:6-12-4:relu"), tanh = arch("mlp:6-12-4:tanh");
  const Dataset d = random_dataset(relu.graph, 4, 4, 1);
  auto r = double_objective(relu, d), t = double_objective(tanh, d);
  CHECK(ObjectiveOperator(*r, Curvature::Hessian).split().kind == CurvatureSplit::Exact);
  CHECK(ObjectiveOperator(*t, Curvature::Hessian).split().kind == CurvatureSplit::Residual);
  CHECK(ObjectiveOperator(*t, Curvature::GGN).split().kind == CurvatureSplit::Exact);
  CHECK(DenseOperator(Eigen::MatrixXd::Identity(2, 2)).split().kind == CurvatureSplit::None);
}
