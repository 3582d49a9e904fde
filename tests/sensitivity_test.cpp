// Tests of analyzers/sensitivity: predicted_dloss = gᵢᵀΔW + ½ΔWᵀH_iiΔW against a reference built
// from a finite-difference gradient and the dense Hessian (MLP and CNN, double and float); on an
// exactly quadratic loss the prediction is the measurement; λmax(H_ii) and tr(H_ii) against the
// dense eigendecomposition of the diagonal block; the ranking, Spearman's coefficient, θ restored,
// NaN reported, and options refused naming the field.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "analyzers/quantizer.h"
#include "analyzers/sensitivity.h"
#include "engine/curvature_operator.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/least_squares.h"

using namespace hess;
using namespace hess::test;

namespace {

// predicted_dloss against the reference, relative to the size of its two terms: the FD gradient is
// good to ~1e-9 in double; a float objective's gradient and products to ~1e-5.
constexpr double kDoublePredictedTol = 1e-6;
constexpr double kFloatPredictedTol = 1e-3;
// Lanczos at its default tolerance (1e-8 on the residual) gives λmax far better than this.
constexpr double kLambdaRelTol = 1e-7;
// Hutchinson's estimate lies within this many standard errors of the exact trace.
constexpr double kTraceSigmas = 4.0;
// The dense path and exact quadratics agree with their references to rounding.
constexpr double kExactRelTol = 1e-9;
// At 8 bits, measured and predicted differ by the third-order term, below this fraction.
constexpr double kThirdOrderRelTol = 0.02;

SensitivityOptions no_spectra() {
  SensitivityOptions o;
  o.lambda = false;
  o.trace = false;
  return o;
}

// Δ for block position i at width index w: the quantized block minus θ, zero elsewhere.
Eigen::VectorXd delta(const Graph& g, const std::vector<double>& theta, const SensitivityResult& r,
                      size_t i, size_t w) {
  const Block& b = g.blocks[r.blocks[i].block];
  const std::span<const double> blk(theta.data() + b.offset, b.size());
  const std::vector<double> q = quantize(blk, b.shape, r.bits[w], r.granularity);
  Eigen::VectorXd d = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(theta.size()));
  for (int64_t t = 0; t < b.size(); ++t) d(b.offset + t) = q[t] - theta[b.offset + t];
  return d;
}

}  // namespace

TEST_CASE("options are validated naming the field") {
  auto field_of = [](const SensitivityOptions& o) {
    try {
      o.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  SensitivityOptions o;
  CHECK(field_of(o) == "accepted");
  o.bits = {0};
  CHECK(field_of(o).starts_with("bits"));
  o.bits = {4, 33};
  CHECK(field_of(o).starts_with("bits"));
  o.bits = {1, 32};
  CHECK(field_of(o) == "accepted");
  o.bits = {4, 4};
  CHECK(field_of(o).starts_with("bits"));
  o.bits = {};
  CHECK(field_of(o).starts_with("bits"));
  o = {};
  o.rank_bits = 5;
  CHECK(field_of(o).starts_with("rank_bits"));
  o = {};
  o.lambda = false;
  o.rank_by = SensitivityCriterion::Lambda;
  CHECK(field_of(o).starts_with("rank_by"));
  o = {};
  o.measure = false;
  o.rank_by = SensitivityCriterion::Measured;
  CHECK(field_of(o).starts_with("rank_by"));
  o = {};
  o.trace_probes = 10;
  CHECK(field_of(o).starts_with("trace_probes"));
  o = {};
  o.columns = 0;
  CHECK(field_of(o).starts_with("columns"));
  CHECK(parse_enum<SensitivityCriterion>("predicted") == SensitivityCriterion::Predicted);
}

TEST_CASE("predicted_dloss equals g·Δ + ½ΔᵀHΔ from an FD gradient and the dense Hessian") {
  for (const TestModel& m : kTestModels) {
    for (Precision prec : {Precision::F64, Precision::F32}) {
      CAPTURE(std::string(m.name));
      CAPTURE(name_of(prec));
      ModelProblem p = m.make(prec);
      const std::vector<double>& theta = p.model.theta;
      SensitivityOptions o = no_spectra();
      o.bits = {2, 4, 8};
      o.columns = 4;  // several passes, a partial last one
      const SensitivityResult r = run(o, *p.objective);
      CHECK(r.status == Status::Ok);
      CHECK(p.objective->parameters() == theta);  // restored
      const int64_t pairs = static_cast<int64_t>(r.blocks.size() * r.bits.size());
      CHECK(r.hvps == pairs);
      auto reference = double_objective(p.model, p.data);
      const Eigen::VectorXd g = fd_gradient(*reference, theta);
      const double tol = prec == Precision::F64 ? kDoublePredictedTol : kFloatPredictedTol;
      for (size_t i = 0; i < r.blocks.size(); ++i) {
        for (size_t w = 0; w < r.bits.size(); ++w) {
          CAPTURE(r.blocks[i].name);
          CAPTURE(r.bits[w]);
          const Eigen::VectorXd d = delta(p.model.graph, theta, r, i, w);
          const double lin = g.dot(d), quad = 0.5 * d.dot(p.dense * d);
          CHECK(std::abs(r.blocks[i].predicted_dloss[w] - (lin + quad)) <=
                tol * (std::abs(lin) + std::abs(quad)));
          CHECK(r.blocks[i].perturbation[w] == doctest::Approx(d.squaredNorm()).epsilon(1e-14));
          CHECK(std::abs(r.blocks[i].gradient_dloss[w] - lin) <= tol * std::abs(lin) + 1e-15);
          // The MLP is smooth; the CNN's max pooling switches under a perturbation, which no
          // Taylor expansion sees.
          if (prec == Precision::F64 && r.bits[w] == 8 && std::string(m.name) == "mlp") {
            CHECK(std::abs(r.blocks[i].measured_dloss[w] - r.blocks[i].predicted_dloss[w]) <=
                  kThirdOrderRelTol * std::abs(r.blocks[i].measured_dloss[w]));
          }
        }
      }
    }
  }
}

TEST_CASE("on an exactly quadratic loss the prediction is the measurement; small blocks exact") {
  const LeastSquares ls = least_squares_problem(6, 3, 50, 7);
  auto obj = double_objective(ls.model, ls.data);
  SensitivityOptions o;
  o.bits = {1, 2, 3, 4, 8, 16};
  o.all_roles = true;  // fc1.bias (3 values) too: the dense-spectrum path
  const SensitivityResult r = run(o, *obj);
  REQUIRE(r.blocks.size() == 2);
  CHECK(r.blocks[1].name == "fc1.bias");
  for (const BlockSensitivity& b : r.blocks) {
    for (size_t w = 0; w < r.bits.size(); ++w) {
      CAPTURE(b.name);
      CAPTURE(r.bits[w]);
      CHECK(std::abs(b.measured_dloss[w] - b.predicted_dloss[w]) <=
            kExactRelTol * std::abs(b.measured_dloss[w]) + 1e-14);
    }
  }
  // fc1.bias: λmax and trace of the 3 x 3 block exactly.
  const Block& bias = ls.model.graph.blocks[r.blocks[1].block];
  const Eigen::MatrixXd Hbb = ls.hessian.block(bias.offset, bias.offset, 3, 3);
  const double lmax = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Hbb).eigenvalues().maxCoeff();
  CHECK(r.blocks[1].lambda_max == doctest::Approx(lmax).epsilon(kExactRelTol));
  CHECK(r.blocks[1].trace == doctest::Approx(Hbb.trace()).epsilon(kExactRelTol));
  CHECK(r.blocks[1].trace_stderr == 0.0);
}

TEST_CASE("lambda_max and trace of each block against the dense eigendecomposition of H_ii") {
  for (const TestModel& m : kTestModels) {
    CAPTURE(std::string(m.name));
    ModelProblem p = m.make(Precision::F64);
    SensitivityOptions o;
    o.bits = {4};
    o.trace_probes = 2000;
    o.measure = false;
    const SensitivityResult r = run(o, *p.objective);
    CHECK(r.status != Status::NonFinite);
    for (const BlockSensitivity& b : r.blocks) {
      CAPTURE(b.name);
      const Block& blk = p.model.graph.blocks[b.block];
      const Eigen::MatrixXd Hii = p.dense.block(blk.offset, blk.offset, blk.size(), blk.size());
      const double lmax =
          Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Hii).eigenvalues().maxCoeff();
      CHECK(b.lambda_max == doctest::Approx(lmax).epsilon(kLambdaRelTol));
      CHECK(b.trace_probes >= o.trace_min_probes);
      CHECK(std::abs(b.trace - Hii.trace()) <= kTraceSigmas * b.trace_stderr);
      CHECK(b.omega[0] ==
            doctest::Approx(b.trace / static_cast<double>(b.params) * b.perturbation[0]));
    }
  }
}

TEST_CASE("the ranking orders blocks by the criterion, most sensitive first") {
  ModelProblem p = indefinite_mlp();
  for (SensitivityCriterion c : enum_values<SensitivityCriterion>()) {
    CAPTURE(name_of(c));
    SensitivityOptions o;
    o.bits = {2, 8};
    o.rank_by = c;
    o.rank_bits = 8;
    o.trace_probes = 100;
    const SensitivityResult r = run(o, *p.objective);
    REQUIRE(r.ranking.size() == r.blocks.size());
    CHECK(r.rank_bits == 8);
    for (size_t k = 1; k < r.ranking.size(); ++k) {
      CHECK(criterion_value(r, c, r.ranking[k - 1], 1) >= criterion_value(r, c, r.ranking[k], 1));
    }
  }
}

TEST_CASE("Spearman's coefficient: monotone, reversed, ties and NaN") {
  CHECK(spearman({1, 2, 3, 4}, {10, 20, 25, 100}) == doctest::Approx(1.0));
  CHECK(spearman({1, 2, 3, 4}, {4, 3, 2, 1}) == doctest::Approx(-1.0));
  // No ties: 1 − 6Σd²/(n(n²−1)); ranks (1,2,3,4,5) vs (2,1,4,3,5): Σd² = 4, ρ = 1 − 24/120.
  CHECK(spearman({1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}) == doctest::Approx(0.8));
  // Ties take average ranks: x ranks (1.5, 1.5, 3), y ranks (1, 2, 3): ρ = Pearson of the ranks.
  CHECK(spearman({1, 1, 2}, {1, 2, 3}) == doctest::Approx(std::sqrt(3.0) / 2));
  CHECK(spearman({1, std::nan(""), 2, 3}, {1, 5, 2, 3}) == doctest::Approx(1.0));
  CHECK(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
}

TEST_CASE("a NaN parameter is reported as non_finite, not thrown") {
  ModelProblem p = indefinite_mlp();
  poison_parameter(p, 0);
  const SensitivityResult r = run(no_spectra(), *p.objective);
  CHECK(r.status == Status::NonFinite);
  CHECK(!r.message.empty());
}
