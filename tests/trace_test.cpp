// analyzers/trace: Hutchinson, Hutch++ and XTrace against exact traces of dense Hessians and of
// explicit matrices: error bars that cover the truth at their nominal rate, per-group traces,
// ‖H‖_F², the stopping rule, variance reduction, and option checks.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cmath>

#include "analyzers/param_groups.h"
#include "analyzers/trace.h"
#include "io/data_file.h"
#include "io/model_file.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/rejection.h"
#include "support/run_cli.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSigmas = 3.0;       // "within 3 standard errors" (issue 4)
constexpr double kGroupSigmas = 4.0;  // several groups checked at once

TraceOptions fixed(TraceMethod method, int probes, uint64_t seed) {
  TraceOptions o;
  o.method = method;
  o.min_probes = std::min(probes, 2);
  o.max_probes = probes;
  o.rtol = 0.0;  // exactly `probes` products
  o.seed = seed;
  return o;
}

double dense_group_trace(const Eigen::MatrixXd& A, const ParamGroup& g) {
  double t = 0.0;
  for (const auto& [offset, length] : g.ranges) t += A.diagonal().segment(offset, length).sum();
  return t;
}

// λ_i = 1/i², i = 1..n: a fast-decaying spectrum where low-rank deflation pays.
Eigen::VectorXd decaying(int n) {
  Eigen::VectorXd l(n);
  for (int i = 0; i < n; ++i) l(i) = 1.0 / ((i + 1.0) * (i + 1.0));
  return l;
}

}  // namespace

TEST_CASE("hutchinson on MLP and CNN Hessians: trace, per-layer traces and ‖H‖_F² within errors") {
  for (const TestModel& model : kTestModels) {
    for (Precision precision : {Precision::F64, Precision::F32}) {
      INFO("model ", model.name);
      CAPTURE(name_of(precision));
      const ModelProblem p = model.make(precision);
      TraceOptions o = fixed(TraceMethod::Hutchinson, 600, 11);
      o.groups = layer_groups(p.model.graph);
      REQUIRE(o.groups.size() == 3);
      const TraceResult r = run(o, *p.hessian);
      CHECK(r.status == Status::Ok);
      CHECK(r.probes == 600);
      CHECK(r.hvps == 600);
      const double exact = p.dense.trace();
      CHECK(std::abs(r.trace - exact) < kSigmas * r.std_error);

      double sum = 0.0;
      for (size_t g = 0; g < o.groups.size(); ++g) {
        CAPTURE(o.groups[g].name);
        const GroupTrace& t = r.groups[g];
        CHECK(t.name == o.groups[g].name);
        CHECK(t.size == o.groups[g].size());
        CHECK(std::abs(t.trace - dense_group_trace(p.dense, o.groups[g])) <
              kGroupSigmas * t.std_error);
        sum += t.trace;
      }
      // The layers partition θ, so per probe the shares add up to vᵀHv exactly.
      CHECK(sum == doctest::Approx(r.trace).epsilon(1e-12).scale(r.std_error));

      const double frobenius2 = p.dense.squaredNorm();
      CHECK(std::abs(r.frobenius2 - frobenius2) < kSigmas * r.frobenius2_std_error);
      CHECK(r.frobenius2_std_error < 0.2 * frobenius2);
    }
  }
}

TEST_CASE("hutchinson's 95% interval covers the exact trace 90-98% of the time over 200 seeds") {
  const ModelProblem p = indefinite_mlp();
  const DenseOperator H(p.dense);
  const double exact = p.dense.trace();
  constexpr int kSeeds = 200;
  int covered = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const TraceResult r = run(fixed(TraceMethod::Hutchinson, 50, 1000 + seed), H);
    if (std::abs(r.trace - exact) <= 1.96 * r.std_error) ++covered;
  }
  const double rate = static_cast<double>(covered) / kSeeds;
  MESSAGE("coverage of the 95% interval: " << rate);
  CHECK(rate >= 0.90);
  CHECK(rate <= 0.98);
}

TEST_CASE("hutchinson stops on its standard error, not on a still mean") {
  // Positive definite: the relative rule is reachable.
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(200, 0.1, 3.0), 4));
  TraceOptions o;
  o.rtol = 0.01;
  o.max_probes = 100000;
  const TraceResult r = run(o, A);
  CHECK(r.status == Status::Ok);
  CHECK(r.probes >= o.min_probes);
  CHECK(r.probes < o.max_probes);
  CHECK(r.std_error <= o.rtol * std::abs(r.trace));
  CHECK(std::abs(r.trace - A.matrix().trace()) < kSigmas * r.std_error);

  // Trace zero, curvature of both signs: the mean stops moving long before it means anything,
  // and the relative rule can never be met. The estimator must say so rather than stop.
  Eigen::VectorXd symmetric = Eigen::VectorXd::LinSpaced(200, -3.0, 3.0);
  const DenseOperator B(matrix_with_spectrum(symmetric, 5));
  o.max_probes = 400;
  const TraceResult z = run(o, B);
  CHECK(z.status == Status::NotConverged);
  CHECK(z.probes == 400);
  CHECK(z.message.find("standard error") != std::string::npos);
  CHECK(std::abs(z.trace) < kSigmas * z.std_error);
}

TEST_CASE("probes do not depend on the block size") {
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(80, -1.0, 2.0), 6));
  TraceOptions o = fixed(TraceMethod::Hutchinson, 37, 9);
  o.block = 1;
  const TraceResult one = run(o, A);
  o.block = 16;
  const TraceResult many = run(o, A);
  CHECK(one.trace == doctest::Approx(many.trace).epsilon(1e-12));
  CHECK(one.std_error == doctest::Approx(many.std_error).epsilon(1e-10));
}

TEST_CASE("hutch++ and xtrace beat hutchinson at the same number of HVPs on a decaying spectrum") {
  const Eigen::VectorXd spectrum = decaying(300);
  const DenseOperator A(matrix_with_spectrum(spectrum, 7));
  const double exact = spectrum.sum();
  constexpr int kBudget = 60;
  constexpr int kSeeds = 40;
  double mse[3] = {0.0, 0.0, 0.0};
  const TraceMethod methods[3] = {TraceMethod::Hutchinson, TraceMethod::HutchPP,
                                  TraceMethod::XTrace};
  for (int seed = 0; seed < kSeeds; ++seed) {
    for (int m = 0; m < 3; ++m) {
      const TraceResult r = run(fixed(methods[m], kBudget, 50 + seed), A);
      REQUIRE(r.status == Status::Ok);
      REQUIRE(r.hvps == kBudget);
      mse[m] += (r.trace - exact) * (r.trace - exact) / kSeeds;
    }
  }
  MESSAGE("RMS error at " << kBudget << " HVPs: hutchinson " << std::sqrt(mse[0]) << ", hutch++ "
                          << std::sqrt(mse[1]) << ", xtrace " << std::sqrt(mse[2]));
  CHECK(mse[1] < 0.25 * mse[0]);
  CHECK(mse[2] < 0.25 * mse[0]);
}

TEST_CASE("hutch++ and xtrace are unbiased and their error bars are honest") {
  // A slowly decaying spectrum of both signs, so the stochastic part matters.
  Eigen::VectorXd spectrum(150);
  for (int i = 0; i < 150; ++i) spectrum(i) = (i % 3 == 0 ? -1.0 : 1.0) / std::sqrt(i + 1.0);
  const DenseOperator A(matrix_with_spectrum(spectrum, 8));
  const double exact = spectrum.sum();
  for (TraceMethod method : {TraceMethod::HutchPP, TraceMethod::XTrace}) {
    CAPTURE(name_of(method));
    constexpr int kSeeds = 200;
    double sum = 0.0, sum2 = 0.0;
    int covered = 0;
    for (int seed = 0; seed < kSeeds; ++seed) {
      const TraceResult r = run(fixed(method, 30, 300 + seed), A);
      sum += r.trace;
      sum2 += r.trace * r.trace;
      if (std::abs(r.trace - exact) <= 2.0 * r.std_error) ++covered;
    }
    const double mean = sum / kSeeds;
    const double sd = std::sqrt((sum2 / kSeeds - mean * mean) * kSeeds / (kSeeds - 1));
    CHECK(std::abs(mean - exact) < 4.0 * sd / std::sqrt(static_cast<double>(kSeeds)));
    MESSAGE(name_of(method) << ": 2-sigma coverage " << covered / double(kSeeds));
    CHECK(covered >= 0.8 * kSeeds);
  }
}

TEST_CASE("xtrace's leave-one-out estimates equal their definition computed naively") {
  const int n = 40, s = 6;
  const Eigen::VectorXd spectrum = Eigen::VectorXd::LinSpaced(n, -2.0, 5.0);
  const Eigen::MatrixXd M = matrix_with_spectrum(spectrum, 9);
  const DenseOperator D(M);
  const CheckedOperator A(D);
  Eigen::MatrixXd omega(n, s);
  for (int j = 0; j < s; ++j) omega.col(j) = random_vector(n, 70 + j);
  const Eigen::VectorXd fast = xtrace_estimates(A, omega, 4);
  REQUIRE(fast.size() == s);
  CHECK(A.applications() == 2 * s);

  const Eigen::MatrixXd Y = M * omega;
  for (int i = 0; i < s; ++i) {
    // Q_i: orthonormal basis of H Ω without column i.
    Eigen::MatrixXd Yi(n, s - 1);
    for (int j = 0, c = 0; j < s; ++j) {
      if (j != i) Yi.col(c++) = Y.col(j);
    }
    const Eigen::MatrixXd Qi = Eigen::HouseholderQR<Eigen::MatrixXd>(Yi).householderQ() *
                               Eigen::MatrixXd::Identity(n, s - 1);
    const Eigen::VectorXd x = omega.col(i) - Qi * (Qi.transpose() * omega.col(i));
    const double naive =
        (Qi.transpose() * M * Qi).trace() + (n - s + 1) * x.dot(M * x) / x.squaredNorm();
    CHECK(fast(i) == doctest::Approx(naive).epsilon(1e-10));
  }
}

TEST_CASE("hutch++ is exact on a matrix whose rank its sketch covers") {
  Eigen::VectorXd spectrum = Eigen::VectorXd::Zero(100);
  spectrum.head(5) << 4.0, -3.0, 2.0, 1.0, 0.5;
  const DenseOperator A(matrix_with_spectrum(spectrum, 10));
  const TraceResult r = run(fixed(TraceMethod::HutchPP, 30, 1), A);
  CHECK(r.status == Status::Ok);
  CHECK(r.trace == doctest::Approx(4.5).epsilon(1e-10));
  // XTrace's leave-one-out bases are undefined when H Ω has lower rank than Ω: it says so.
  const TraceResult x = run(fixed(TraceMethod::XTrace, 30, 1), A);
  CHECK(x.status == Status::NotConverged);
  CHECK(x.message.find("rank") != std::string::npos);
}

TEST_CASE("bad trace options are rejected naming the field") {
  const DenseOperator A(matrix_with_spectrum(Eigen::VectorXd::LinSpaced(20, -1.0, 2.0), 1));
  auto rejects = [&](const TraceOptions& o, const std::string& field) {
    CAPTURE(field);
    CHECK(names_field(rejection(o, A), field));
  };
  TraceOptions o;
  o.max_probes = -5;
  rejects(o, "max_probes");
  o = {};
  o.min_probes = 1;
  rejects(o, "min_probes");
  o = {};
  o.block = 0;
  rejects(o, "block");
  o = {};
  o.rtol = -0.1;
  rejects(o, "rtol");
  o = fixed(TraceMethod::HutchPP, 5, 0);
  rejects(o, "max_probes");
  o = fixed(TraceMethod::XTrace, 40, 0);  // 20 test vectors for P = 20
  rejects(o, "max_probes");
  o = fixed(TraceMethod::HutchPP, 12, 0);
  o.groups = {{"all", {{0, 20}}}};
  rejects(o, "groups");
  o = {};
  o.groups = {{"fc9", {{15, 10}}}};
  rejects(o, "groups");

  CHECK(parse_enum<TraceMethod>(name_of(TraceMethod::XTrace)) == TraceMethod::XTrace);
  CHECK(parse_enum<TraceMethod>("hutchpp") == TraceMethod::HutchPP);
  CHECK_THROWS_AS(parse_enum<TraceMethod>("hutch"), std::invalid_argument);
}

TEST_CASE("NaN from the operator becomes Status::NonFinite") {
  ModelProblem p = indefinite_mlp();
  poison_parameter(p, 100);
  for (TraceMethod method : {TraceMethod::Hutchinson, TraceMethod::HutchPP, TraceMethod::XTrace}) {
    CAPTURE(name_of(method));
    const TraceResult r = run(fixed(method, 12, 0), *p.hessian);
    CHECK(r.status == Status::NonFinite);
    CHECK(!r.message.empty());
  }
}

namespace {

// The exact trace of a multiaffine network against the dense Hessian from unit-vector HVPs.
constexpr double kExactTraceTol = 1e-9;

// A trained tanh MLP (the bundled digits model) on its first `samples` digits, with its dense
// Hessian from P unit-vector HVPs.
struct TrainedTanh {
  Model model;
  Dataset data;
  std::unique_ptr<Objective> objective;
  Eigen::MatrixXd dense;
};

TrainedTanh trained_tanh(int64_t samples) {
  TrainedTanh t{read_model(bundled_sample("digits-mlp.h5")),
                read_data(bundled_sample("digits.h5")),
                nullptr,
                {}};
  std::vector<int64_t> rows = all_rows(samples);
  ObjectiveOptions o;
  o.batch_size = 128;
  t.objective = make_objective(t.model.graph, t.data, rows, o, Precision::F64);
  t.objective->set_parameters(t.model.theta);
  t.dense = assemble_dense(ObjectiveOperator(*t.objective, Curvature::Hessian));
  return t;
}

}  // namespace

TEST_CASE("exact trace of a ReLU CNN with max pooling and BatchNorm equals Σ eᵢᵀ H eᵢ") {
  const Model m = maxpool_bn_cnn(OpKind::Relu, 5);
  const Dataset d = random_dataset(m.graph, 24, 5, 31);
  ObjectiveOptions oo;
  oo.batch_size = 10;
  auto obj = make_objective(m.graph, d, all_rows(d.size()), oo, Precision::F64);
  obj->set_parameters(m.theta);
  const ObjectiveOperator H(*obj, Curvature::Hessian);
  REQUIRE(H.split().kind == CurvatureSplit::Exact);
  const Eigen::MatrixXd dense = assemble_dense(H);  // column i: H eᵢ
  TraceOptions o;                                   // auto: exact here
  o.groups = {{"conv1", {{0, 40}}}, {"rest", {{40, H.rows() - 40}}}};
  const TraceResult r = run(o, H);
  CHECK(r.method == TraceMethod::Exact);
  CHECK(r.status == Status::Ok);
  CHECK(r.hvps == 0);
  CHECK(r.ggn_diagonals == 1);
  CHECK(r.std_error == 0.0);
  CHECK(std::abs(r.trace - dense.trace()) <= kExactTraceTol * std::abs(dense.trace()));
  for (size_t g = 0; g < o.groups.size(); ++g) {
    const double ref = dense_group_trace(dense, o.groups[g]);
    CHECK(std::abs(r.groups[g].trace - ref) <= kExactTraceTol * std::abs(dense.trace()));
  }
  // Not a coincidence of the trace: the whole diagonal of H is the GGN's.
  Eigen::VectorXd diag;
  H.gauss_newton_diagonal(diag);
  CHECK((diag - dense.diagonal()).cwiseAbs().maxCoeff() <=
        kExactTraceTol * dense.diagonal().cwiseAbs().maxCoeff());
  // While H itself is not the GGN.
  const Eigen::MatrixXd ggn = assemble_dense(ObjectiveOperator(*obj, Curvature::GGN));
  CHECK((dense - ggn).norm() > 1e-3 * dense.norm());
}

TEST_CASE("control-variate trace of a trained tanh MLP: within 3 errors, fewer products") {
  const TrainedTanh t = trained_tanh(256);
  const double exact = t.dense.trace();
  const ObjectiveOperator H(*t.objective, Curvature::Hessian);
  REQUIRE(H.split().kind == CurvatureSplit::Residual);
  TraceOptions o;  // auto: control-variate here, the default 1 % relative standard error
  o.seed = 3;
  const TraceResult cv = run(o, H);
  CHECK(cv.method == TraceMethod::ControlVariate);
  CHECK(cv.status == Status::Ok);
  CHECK(cv.ggn_diagonals == 1);
  CHECK(std::abs(cv.trace - exact) < kSigmas * cv.std_error);
  // Hutch++ products until its standard error is as small, in steps of 3 (its thirds).
  int products = kHutchPPMinProducts;
  TraceResult pp;
  for (;; products += 3) {
    pp = run(fixed(TraceMethod::HutchPP, products, 3), H);
    if (pp.std_error <= cv.std_error || products >= H.rows()) break;
  }
  MESSAGE("tanh MLP (P = ", H.rows(), ", 256 digits): exact trace ", exact, "; control-variate ",
          cv.trace, " ± ", cv.std_error, " with ", cv.hvps, " residual products + 1 GGN diagonal (",
          cv.seconds, " s); Hutch++ needs ", products, " products for ± ", pp.std_error, " (",
          pp.trace, ", ", pp.seconds, " s)");
  CHECK(cv.hvps < products);
  CHECK(pp.std_error <= cv.std_error);
}

TEST_CASE("exact and control-variate refuse operators they do not apply to") {
  const TrainedTanh t = trained_tanh(16);
  const ObjectiveOperator H(*t.objective, Curvature::Hessian);
  TraceOptions o;
  o.method = TraceMethod::Exact;
  const std::string why = rejection(o, H);
  CHECK(names_field(why, "method"));
  CHECK(why.find("tanh") != std::string::npos);             // names the node that is not affine
  const ObjectiveOperator G(*t.objective, Curvature::GGN);  // the GGN's trace is always exact
  const TraceResult g = run(o, G);
  CHECK(std::abs(g.trace - assemble_dense(G).trace()) <= kExactTraceTol * g.trace);
  const DenseOperator A(t.dense);
  o.method = TraceMethod::ControlVariate;
  CHECK(names_field(rejection(o, A), "method"));
  o.method = TraceMethod::Auto;
  o.rtol = 0.05;
  CHECK(run(o, A).method == TraceMethod::Hutchinson);
}
