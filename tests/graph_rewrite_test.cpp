// engine/graph_rewrite: ReLU before max-pooling is swapped only where it is safe, and the swapped
// graph (what evaluation contexts run) gives the same loss, gradient, Hessian and GGN products and
// GGN diagonal to the bit as the graph in its written order, float and double, ties and
// all-negative windows included. The reference keeps the written order by an identity op (eval-mode
// dropout) between the ReLU and the pooling, which the rewrite does not look through.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <string>
#include <vector>

#include "engine/graph_builder.h"
#include "engine/graph_rewrite.h"
#include "engine/random.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr int64_t kSamples = 7;
constexpr int64_t kClasses = 4;
constexpr int64_t kBatch = 3;  // a partial last batch
constexpr int kColumns = 3;

// conv(1->4, 3x3, pad 1) relu pool2 conv(4->3, 3x3, pad 1) relu pool2 fc(12->4); `barrier` puts an
// identity between each ReLU and its pooling.
Model cnn(bool barrier) {
  GraphBuilder b({1, 8, 8});
  int h = b.conv2d(b.input(), 1, 4, 3, 1, 1, "conv1");
  h = b.activation(h, OpKind::Relu);
  if (barrier) h = b.op(OpKind::Dropout, {h});
  h = b.max_pool(h, 2, 2);
  h = b.conv2d(h, 4, 3, 3, 1, 1, "conv2");
  h = b.activation(h, OpKind::Relu);
  if (barrier) h = b.op(OpKind::Dropout, {h});
  h = b.max_pool(h, 2, 2);
  h = b.flatten(h);
  h = b.linear(h, 12, kClasses, "fc");
  return b.finish(h, LossKind::CrossEntropy, 5);
}

std::vector<OpKind> ops(const Graph& g) {
  std::vector<OpKind> o;
  for (const Node& n : g.nodes) o.push_back(n.op);
  return o;
}

// Images with a zero square (conv outputs there equal the bias: ties in every window) and biases of
// both signs (windows of equal positive values and windows with nothing positive).
Dataset tied_data(const Model& m) {
  Dataset d = random_dataset(m.graph, kSamples, kClasses, 11);
  for (int64_t s = 0; s < kSamples; ++s) {
    for (int64_t r = 0; r < 5; ++r) {
      for (int64_t c = 0; c < 5; ++c) d.x[s * 64 + r * 8 + c] = 0.0f;
    }
  }
  return d;
}

std::vector<double> signed_biases(const Model& m) {
  std::vector<double> theta = m.theta;
  const double conv1[] = {0.3, -0.2, 0.05, -0.4};
  const double conv2[] = {0.25, -0.3, 0.1};
  const Block& b1 = m.graph.blocks[m.graph.find_block("conv1.bias")];
  const Block& b2 = m.graph.blocks[m.graph.find_block("conv2.bias")];
  for (int i = 0; i < 4; ++i) theta[b1.offset + i] = conv1[i];
  for (int i = 0; i < 3; ++i) theta[b2.offset + i] = conv2[i];
  return theta;
}

struct Results {
  double loss = 0.0;
  Eigen::VectorXd grad, diag;
  Eigen::MatrixXd hv, hv_again, gv;
  int64_t reused = 0;  // batch passes served from kept batches
};

Results evaluate(const Model& m, const Dataset& d, const std::vector<double>& theta,
                 const Eigen::MatrixXd& V, Precision precision) {
  ObjectiveOptions o;
  o.batch_size = kBatch;
  o.keep_bytes = int64_t{1} << 30;  // the second Hessian product runs on kept batches
  auto obj = make_objective(m.graph, d, all_rows(kSamples), o, precision);
  obj->set_parameters(theta);
  const int64_t P = obj->num_params();
  Results r{0.0,
            Eigen::VectorXd(P),
            Eigen::VectorXd(P),
            Eigen::MatrixXd(P, kColumns),
            Eigen::MatrixXd(P, kColumns),
            Eigen::MatrixXd(P, kColumns)};
  r.loss = obj->gradient(r.grad.data()).loss;
  obj->curvature(V.data(), kColumns, r.hv.data(), Curvature::Hessian);
  obj->curvature(V.data(), kColumns, r.hv_again.data(), Curvature::Hessian);  // kept batches
  obj->curvature(V.data(), kColumns, r.gv.data(), Curvature::GGN);
  r.reused = obj->kept().reused;
  obj->ggn_diagonal(r.diag.data());
  return r;
}

bool same(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

}  // namespace

TEST_CASE("a ReLU that feeds only a max-pooling is moved after it") {
  const Model m = cnn(false);
  const Graph r = evaluation_graph(m.graph);
  REQUIRE(r.nodes.size() == m.graph.nodes.size());
  std::vector<OpKind> want = ops(m.graph);
  for (size_t i = 0; i + 1 < want.size(); ++i) {
    if (want[i] == OpKind::Relu && want[i + 1] == OpKind::MaxPool2d)
      std::swap(want[i], want[i + 1]);
  }
  CHECK(ops(r) == want);
  CHECK(ops(r) != ops(m.graph));
  CHECK_NOTHROW(r.validate());
  CHECK(r.output == m.graph.output);
  CHECK(r.loss == m.graph.loss);
  const std::vector<Shape> before = infer_shapes(m.graph, 5), after = infer_shapes(r, 5);
  CHECK(after[r.output] == before[m.graph.output]);
  CHECK(after[r.loss] == before[m.graph.loss]);
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    if (r.nodes[i].op == OpKind::Relu) CHECK(r.nodes[r.nodes[i].inputs[0]].op == OpKind::MaxPool2d);
  }
}

TEST_CASE("the rewrite leaves other graphs alone") {
  SUBCASE("an identity between the ReLU and the pooling") {
    const Model m = cnn(true);
    CHECK(ops(evaluation_graph(m.graph)) == ops(m.graph));
  }
  SUBCASE("a ReLU read by two ops") {
    GraphBuilder b({1, 4, 4});
    const int c = b.conv2d(b.input(), 1, 2, 3, 1, 1, "conv");
    const int a = b.activation(c, OpKind::Relu);
    const int p = b.max_pool(a, 2, 2);
    const int s = b.op(OpKind::Add, {b.max_pool(a, 2, 2), p});
    const Model m = b.finish(b.linear(b.flatten(s), 8, 3, "fc"), LossKind::CrossEntropy, 1);
    CHECK(ops(evaluation_graph(m.graph)) == ops(m.graph));
  }
  SUBCASE("a tanh before the pooling") {
    GraphBuilder b({1, 4, 4});
    const int c = b.conv2d(b.input(), 1, 2, 3, 1, 1, "conv");
    const int p = b.max_pool(b.activation(c, OpKind::Tanh), 2, 2);
    const Model m = b.finish(b.linear(b.flatten(p), 8, 3, "fc"), LossKind::CrossEntropy, 1);
    CHECK(ops(evaluation_graph(m.graph)) == ops(m.graph));
  }
}

TEST_CASE("the swapped graph computes what the written order does, to the bit") {
  const Model swapped = cnn(false), written = cnn(true);
  REQUIRE(swapped.theta.size() == written.theta.size());
  const Dataset d = tied_data(swapped);
  const std::vector<double> theta = signed_biases(swapped);
  Rng rng(17);
  Eigen::MatrixXd V(static_cast<Eigen::Index>(theta.size()), kColumns);
  for (Eigen::Index i = 0; i < V.size(); ++i) V.data()[i] = rng.normal();
  for (Precision p : {Precision::F64, Precision::F32}) {
    CAPTURE(static_cast<int>(p));
    const Results a = evaluate(swapped, d, theta, V, p);
    const Results b = evaluate(written, d, theta, V, p);
    CHECK(a.loss == b.loss);
    CHECK(same(a.grad, b.grad));
    CHECK(same(a.hv, b.hv));
    CHECK(same(a.hv_again, b.hv));
    CHECK(same(a.gv, b.gv));
    CHECK(same(a.diag, b.diag));
    // Not vacuous: the curvature is not zero, and some windows tie or hold nothing positive.
    CHECK(a.hv.norm() > 0.0);
    CHECK(a.diag.norm() > 0.0);
    CHECK(a.reused > 0);
  }
}
