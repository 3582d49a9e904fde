// engine/compute_batch: which graphs may be evaluated in compute batches smaller than a batch, the
// size the rule picks, and that an objective cutting its batches so agrees with the definition of
// the mean (a sum of per-sample objectives), in double and float.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <string>

#include "engine/arch.h"
#include "engine/compute_batch.h"
#include "engine/graph_builder.h"
#include "engine/objective.h"
#include "support/fd_check.h"
#include "support/objective_products.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSumOrderTol = 1e-12;  // the same sums added in another order (double)
constexpr double kFloatTol = 2e-5;      // float passes against the double reference
// Images large enough that a one-sample context outgrows kComputeBatchBytes / 8 in float.
constexpr const char* kImageCnn = "cnn:1x28x28-c8k3-pool2-c16k3-pool2-10:relu";
constexpr int64_t kSamples = 45;
constexpr int64_t kBatch = 40;  // at least kMinComputeBatches compute batches in float and double

Model arch(const std::string& spec) {
  ArchOptions o;
  o.seed = 21;
  return build_arch(spec, o);
}

// A small MLP whose logits go through `act` on the way to the loss.
Model mlp_with_softmax(int64_t axis) {
  GraphBuilder b({6});
  int h = b.linear(b.input(), 6, 4, "fc");
  Attrs a;
  a.set("axis", axis);
  h = b.op(OpKind::LogSoftmax, {h}, a);
  return b.finish(h, LossKind::CrossEntropy, 3);
}

}  // namespace

TEST_CASE("samples stay apart in the built architectures, not where an op mixes them") {
  for (const std::string spec : {"mlp:5-7-3:tanh", "cnn:1x6x6-c3k3-pool2-4:relu",
                                 "resnet:1x5x5-w3-b1-3:relu", "transformer:s4-v7-d8-h2-f16-3"}) {
    CAPTURE(spec);
    CHECK(samples_stay_apart(arch(spec).graph));
  }
  CHECK(samples_stay_apart(mlp_with_softmax(1).graph));
  CHECK(samples_stay_apart(mlp_with_softmax(-1).graph));
  CHECK_FALSE(samples_stay_apart(mlp_with_softmax(0).graph));   // normalizes over the batch
  CHECK_FALSE(samples_stay_apart(mlp_with_softmax(-2).graph));  // the same axis, from the end
}

TEST_CASE("the compute batch cuts activation-heavy batches and keeps parameter-heavy ones") {
  const Graph cnn = arch(kImageCnn).graph;
  const int64_t f32 = compute_batch(cnn, 256, sizeof(float));
  const int64_t f64 = compute_batch(cnn, 256, sizeof(double));
  CHECK(f32 >= 1);
  CHECK(f32 * kMinComputeBatches <= 256);
  CHECK(f64 <= f32);  // twice the bytes per sample
  CHECK(f64 >= 1);
  // Smaller batches than kMinComputeBatches compute batches are not cut.
  CHECK(compute_batch(cnn, f32 * kMinComputeBatches - 1, sizeof(float)) ==
        f32 * kMinComputeBatches - 1);
  CHECK(compute_batch(cnn, 1, sizeof(float)) == 1);
  // 670,000 parameters against 784 + 3·512 activations per sample: a batch's weight derivatives
  // cost the same whatever its size, so it stays whole.
  CHECK(compute_batch(arch("mlp:784-512-512-10:tanh").graph, 256, sizeof(float)) == 256);
  // A graph mixing samples keeps its batch however large its tensors.
  CHECK(compute_batch(mlp_with_softmax(0).graph, 1 << 20, sizeof(float)) == 1 << 20);
}

TEST_CASE("an objective in compute batches equals the mean of per-sample objectives") {
  const Model m = arch(kImageCnn);
  const Dataset d = random_dataset(m.graph, kSamples, 10, 22);
  const int64_t P = m.graph.num_params();
  Eigen::MatrixXd V(P, 2);
  V.col(0) = random_vector(P, 23);
  V.col(1) = random_vector(P, 24);
  // The definition: (1/N) Σᵢ of one-sample objectives, in double.
  Products ref{0, Eigen::VectorXd::Zero(P), Eigen::MatrixXd::Zero(P, 2)};
  for (int64_t i = 0; i < kSamples; ++i) {
    auto one = make_objective(m.graph, d, {i}, ObjectiveOptions{}, Precision::F64);
    one->set_parameters(m.theta);
    const Products p = products(*one, V);
    ref.loss += p.loss / kSamples;
    ref.grad += p.grad / kSamples;
    ref.hv += p.hv / kSamples;
  }
  for (Precision precision : {Precision::F64, Precision::F32}) {
    CAPTURE(name_of(precision));
    ObjectiveOptions o;
    o.batch_size = kBatch;
    o.threads = 2;
    o.keep_bytes = int64_t{1} << 30;
    auto obj = make_objective(m.graph, d, all_rows(kSamples), o, precision);
    obj->set_parameters(m.theta);
    const int64_t cb = obj->compute_batch_size();
    CHECK(cb == compute_batch(m.graph, kBatch, precision == Precision::F32 ? 4 : 8));
    REQUIRE(cb * kMinComputeBatches <= kBatch);
    const Products p = products(*obj, V);
    CHECK(obj->kept().total == (kSamples + cb - 1) / cb);
    const double tol = precision == Precision::F64 ? kSumOrderTol : kFloatTol;
    CHECK(p.loss == doctest::Approx(ref.loss).epsilon(tol));
    CHECK(rel_err(p.grad, ref.grad) < tol);
    CHECK(rel_err(p.hv, ref.hv) < tol);
    // Again on the kept compute batches.
    Eigen::MatrixXd hv(P, 2);
    obj->curvature(V.data(), 2, hv.data(), Curvature::Hessian);
    CHECK(obj->kept().reused > 0);
    CHECK(rel_err(hv, ref.hv) < tol);
  }
}
