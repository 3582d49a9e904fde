// analyzers/diag: Hutchinson's diagonal estimate against the dense Hessian's diagonal: error bars,
// the 1/√probes error law with its exact constant, per-group summaries, option checks.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "analyzers/diag.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/rejection.h"

using namespace hess;
using namespace hess::test;

namespace {

DiagOptions with_probes(int probes, uint64_t seed) {
  DiagOptions o;
  o.probes = probes;
  o.seed = seed;
  return o;
}

// E‖d̂ − diag H‖² = Σᵢ Σ_{j≠i} Hᵢⱼ² / probes for Rademacher probes.
double expected_squared_error(const Eigen::MatrixXd& H, int probes) {
  return (H.squaredNorm() - H.diagonal().squaredNorm()) / probes;
}

}  // namespace

TEST_CASE("diag of MLP and CNN Hessians: entries within their error bars, error as 1/√probes") {
  for (const TestModel& model : kTestModels) {
    for (Precision precision : {Precision::F64, Precision::F32}) {
      INFO("model ", model.name);
      CAPTURE(name_of(precision));
      const ModelProblem p = model.make(precision);
      const Eigen::VectorXd exact = p.dense.diagonal();
      const DiagResult r = run(with_probes(200, 1), *p.hessian);
      CHECK(r.status == Status::Ok);
      CHECK(r.probes == 200);
      CHECK(r.hvps == 200);
      const Eigen::ArrayXd z = (r.diagonal - exact).array().abs() / r.std_error.array();
      const double inside = (z <= 1.96).cast<double>().mean();
      MESSAGE("entries within 1.96 standard errors: " << inside);
      CHECK(inside > 0.90);
      CHECK(inside < 0.99);
    }
  }
  // The squared error follows Σ_{i≠j} Hᵢⱼ² / probes (a sum over 916 entries: within 30%).
  const ModelProblem p = indefinite_mlp();
  const DenseOperator H(p.dense);
  double previous = std::numeric_limits<double>::infinity();
  for (int probes : {16, 256, 4096}) {
    CAPTURE(probes);
    const DiagResult r = run(with_probes(probes, 2), H);
    const double err2 = (r.diagonal - p.dense.diagonal()).squaredNorm();
    CHECK(err2 == doctest::Approx(expected_squared_error(p.dense, probes)).epsilon(0.3));
    CHECK(err2 < previous);
    previous = err2;
  }
}

TEST_CASE("a diagonal matrix is estimated exactly (Rademacher probes)") {
  const Eigen::VectorXd d = Eigen::VectorXd::LinSpaced(30, -2.0, 5.0);
  const DenseOperator A(Eigen::MatrixXd(d.asDiagonal()));
  const DiagResult r = run(with_probes(2, 4), A);
  CHECK((r.diagonal - d).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(r.std_error.cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("per-group summaries: sums are the groups' traces, with min, max and mean of entries") {
  const ModelProblem p = indefinite_mlp();
  DiagOptions o = with_probes(300, 5);
  o.groups = layer_groups(p.model.graph);
  o.groups.push_back({"split", {{0, 10}, {900, 16}}});  // not adjacent
  const DiagResult r = run(o, *p.hessian);
  REQUIRE(r.groups.size() == o.groups.size());
  for (size_t g = 0; g < o.groups.size(); ++g) {
    const ParamGroup& group = o.groups[g];
    const GroupDiag& s = r.groups[g];
    CAPTURE(group.name);
    Eigen::VectorXd entries(group.size()), exact(group.size());
    int64_t at = 0;
    for (const auto& [offset, length] : group.ranges) {
      entries.segment(at, length) = r.diagonal.segment(offset, length);
      exact.segment(at, length) = p.dense.diagonal().segment(offset, length);
      at += length;
    }
    CHECK(s.name == group.name);
    CHECK(s.size == group.size());
    CHECK(s.sum == doctest::Approx(entries.sum()).epsilon(1e-10).scale(s.sum_std_error));
    CHECK(std::abs(s.sum - exact.sum()) < 4.0 * s.sum_std_error);
    CHECK(s.mean == doctest::Approx(s.sum / group.size()));
    CHECK(s.min == entries.minCoeff());
    CHECK(s.max == entries.maxCoeff());
  }
}

TEST_CASE("bad diag options are rejected naming the field; NaN becomes Status::NonFinite") {
  const DenseOperator A(Eigen::MatrixXd::Identity(12, 12));
  auto rejects = [&](const DiagOptions& o, const std::string& field) {
    CAPTURE(field);
    CHECK(names_field(rejection(o, A), field));
  };
  rejects(with_probes(-3, 0), "probes");
  rejects(with_probes(1, 0), "probes");
  DiagOptions o;
  o.block = 0;
  rejects(o, "block");
  o = {};
  o.groups = {{"late", {{10, 5}}}};
  rejects(o, "groups");
  o.groups = {{"empty", {}}};
  rejects(o, "groups");

  ModelProblem p = indefinite_mlp();
  poison_parameter(p, 0);
  const DiagResult r = run(with_probes(4, 0), *p.hessian);
  CHECK(r.status == Status::NonFinite);
  CHECK(!r.message.empty());
}

TEST_CASE("exact diagonal: the GGN's, and the Hessian's for a ReLU CNN with BatchNorm") {
  constexpr double kExactTol = 1e-10;
  const Model relu = maxpool_bn_cnn(OpKind::Relu, 7), tanh = maxpool_bn_cnn(OpKind::Tanh, 7);
  const Dataset d = random_dataset(relu.graph, 12, 5, 41);
  DiagOptions o;
  o.exact = true;
  o.probes = 0;  // not used
  o.groups = {{"conv1", {{0, 40}}}};
  for (const Model* m : {&relu, &tanh}) {
    auto obj = double_objective(*m, d, 5);
    for (Curvature kind : {Curvature::Hessian, Curvature::GGN}) {
      CAPTURE(name_of(kind));
      const ObjectiveOperator A(*obj, kind);
      if (m == &tanh && kind == Curvature::Hessian) {
        const std::string why = rejection(o, A);
        CHECK(names_field(why, "exact"));
        CHECK(why.find("(tanh)") != std::string::npos);
        continue;
      }
      const Eigen::VectorXd ref = assemble_dense(A).diagonal();
      const DiagResult r = run(o, A);
      CHECK(r.status == Status::Ok);
      CHECK(r.hvps == 0);
      CHECK(r.ggn_diagonals == 1);
      CHECK(r.probes == 0);
      CHECK((r.diagonal - ref).cwiseAbs().maxCoeff() <= kExactTol * ref.cwiseAbs().maxCoeff());
      CHECK(r.std_error.isZero());
      CHECK(std::abs(r.groups[0].sum - ref.head(40).sum()) <= kExactTol * ref.sum());
      CHECK(r.groups[0].sum_std_error == 0.0);
    }
  }
}
