// Tests of analyzers/roughness: the normalized total variation on plain profiles with known
// answers, μ/σ/RI of known lists, and the full index on objectives whose profiles are known: a
// least-squares problem at its minimum (every profile a symmetric parabola: TV = 1/l) and away
// from it with a small radius (every profile monotone: TV = 1/(2l)).
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <cmath>

#include "analyzers/roughness.h"
#include "engine/arch.h"
#include "support/fd_check.h"
#include "support/least_squares.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kTvTol = 1e-9;  // relative: TV of an exact polynomial profile, rounding only

std::vector<std::unique_ptr<Objective>> workers_for(const Model& m, const Dataset& d, int count,
                                                    Precision p = Precision::F64) {
  std::vector<std::unique_ptr<Objective>> w;
  ObjectiveOptions o;
  o.batch_size = 16;
  for (int i = 0; i < count; ++i) {
    w.push_back(make_objective(m.graph, d, all_rows(d.size()), o, p));
    w.back()->set_parameters(m.theta);
  }
  return w;
}

std::vector<Objective*> raw(const std::vector<std::unique_ptr<Objective>>& w) {
  std::vector<Objective*> r;
  for (const auto& o : w) r.push_back(o.get());
  return r;
}

}  // namespace

TEST_CASE("the grid runs from -l to l with an exact 0 in the middle") {
  const std::vector<double> t = roughness_grid(20, 0.1);
  REQUIRE(t.size() == 21);
  CHECK(t.front() == -0.1);
  CHECK(t.back() == 0.1);
  CHECK(t[10] == 0.0);
  CHECK(t[5] == doctest::Approx(-0.05));
  const std::vector<double> odd = roughness_grid(3, 1.0);
  CHECK(odd == std::vector<double>{-1.0, -1.0 / 3, 1.0 / 3, 1.0});
}

TEST_CASE("normalized total variation of plain profiles") {
  const double l = 0.1;
  const std::vector<double> t = roughness_grid(20, l);
  std::vector<double> line, bowl, offcentre, zigzag, flat(t.size(), 3.0);
  for (size_t k = 0; k < t.size(); ++k) {
    line.push_back(2.0 - 7.0 * t[k]);
    bowl.push_back(1.0 + 5.0 * t[k] * t[k]);
    offcentre.push_back((t[k] - 0.05) *
                        (t[k] - 0.05));  // vertex at 0.05: falls 0.0225, rises 0.0025
    zigzag.push_back(k % 2 ? 1.0 : 0.0);
  }
  CHECK(normalized_total_variation(line, t.front(), t.back()) ==
        doctest::Approx(1.0 / (2 * l)).epsilon(kTvTol));
  CHECK(normalized_total_variation(bowl, t.front(), t.back()) ==
        doctest::Approx(1.0 / l).epsilon(kTvTol));
  // (0.0225 + 0.0025) / (0.2 · 0.0225)
  CHECK(normalized_total_variation(offcentre, t.front(), t.back()) ==
        doctest::Approx(0.025 / (0.2 * 0.0225)).epsilon(kTvTol));
  CHECK(normalized_total_variation(zigzag, t.front(), t.back()) ==
        doctest::Approx(20.0 / 0.2).epsilon(kTvTol));
  CHECK(std::isnan(normalized_total_variation(flat, t.front(), t.back())));
  CHECK_THROWS_AS(normalized_total_variation({1.0}, -1, 1), std::invalid_argument);
  CHECK_THROWS_AS(normalized_total_variation(line, 1, 1), std::invalid_argument);
}

TEST_CASE("mu, sigma (ddof 1) and RI of known lists; NaN entries left out") {
  const RoughnessIndex a = roughness_index({1.0, 2.0, 3.0});
  CHECK(a.mu == doctest::Approx(2.0));
  CHECK(a.sigma == doctest::Approx(1.0));
  CHECK(a.ri == doctest::Approx(0.5));
  const RoughnessIndex b = roughness_index({4.0, NAN, 6.0});
  CHECK(b.used == 2);
  CHECK(b.mu == doctest::Approx(5.0));
  CHECK(b.sigma == doctest::Approx(std::sqrt(2.0)));
  CHECK(std::isnan(roughness_index({1.0}).ri));
}

TEST_CASE("options are validated, naming the field") {
  RoughnessOptions o;
  o.directions = 1;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("directions"), std::invalid_argument);
  o = {};
  o.points = 1;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("points"), std::invalid_argument);
  o = {};
  o.radius = 0.0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("radius"), std::invalid_argument);
  o.radius = -0.1;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("radius"), std::invalid_argument);
}

TEST_CASE("at a least-squares minimum every profile is a symmetric bowl: TV = 1/l, RI = 0") {
  const LeastSquares ls = least_squares_problem(4, 3, 40, 21);
  auto w = workers_for(ls.model, ls.data, 2);
  RoughnessOptions o;
  o.directions = 12;
  o.points = 10;
  o.radius = 0.2;
  o.seed = 5;
  const RoughnessResult r = run(o, raw(w));
  CHECK(r.status == Status::Ok);
  CHECK(r.loss == doctest::Approx(ls.loss).epsilon(1e-12));
  for (double tv : r.tv) CHECK(tv == doctest::Approx(1.0 / o.radius).epsilon(kTvTol));
  CHECK(r.mu == doctest::Approx(1.0 / o.radius).epsilon(kTvTol));
  CHECK(r.ri < 1e-8);
  // Profile values are L(θ* + t d_i) = L* + ½ t² d_iᵀ H d_i with d_i the documented direction.
  for (int i : {0, 7}) {
    const std::vector<double> d = random_direction(
        ls.model.graph, ls.model.theta, Normalization::Filter, false, Rng(o.seed).split(i));
    const Eigen::Map<const Eigen::VectorXd> dv(d.data(), d.size());
    const double curv = dv.dot(ls.hessian * dv);
    for (int k = 0; k <= o.points; ++k) {
      CHECK(r.profile(i)[k] ==
            doctest::Approx(ls.loss + 0.5 * r.t[k] * r.t[k] * curv).epsilon(1e-10));
    }
  }
  CHECK(w[0]->parameters() == ls.model.theta);
  CHECK(w[1]->parameters() == ls.model.theta);
}

TEST_CASE("away from the minimum with a small radius every profile is monotone: TV = 1/(2l)") {
  LeastSquares ls = least_squares_problem(4, 3, 40, 22);
  // Move θ off the minimum along a fixed vector; the gradient is then H (θ − θ*).
  const Eigen::VectorXd shift = random_vector(ls.model.theta.size(), 9);
  const std::vector<double> theta_star = ls.model.theta;
  for (Eigen::Index p = 0; p < shift.size(); ++p) ls.model.theta[p] += shift(p);
  auto w = workers_for(ls.model, ls.data, 3);
  RoughnessOptions o;
  o.directions = 10;
  o.points = 20;
  o.radius = 1e-3;
  o.seed = 2;
  const RoughnessResult r = run(o, raw(w));
  const Eigen::VectorXd g = ls.hessian * shift;
  for (int i = 0; i < o.directions; ++i) {
    CAPTURE(i);
    const std::vector<double> d = random_direction(
        ls.model.graph, ls.model.theta, Normalization::Filter, false, Rng(o.seed).split(i));
    const Eigen::Map<const Eigen::VectorXd> dv(d.data(), d.size());
    // The parabola's vertex −gᵀd / dᵀHd lies outside [−l, l]: the profile is monotone.
    REQUIRE(std::abs(g.dot(dv) / dv.dot(ls.hessian * dv)) > o.radius);
    CHECK(r.tv[i] == doctest::Approx(1.0 / (2 * o.radius)).epsilon(kTvTol));
  }
  CHECK(r.ri < 1e-8);
}

TEST_CASE("RI of an MLP: reproducible for a seed, independent of the worker count, θ restored") {
  ArchOptions a;
  a.seed = 8;
  const Model m = build_arch("mlp:5-8-3:tanh", a);
  const Dataset d = random_dataset(m.graph, 24, 3, 4);
  RoughnessOptions o;
  o.directions = 8;
  o.points = 8;
  o.radius = 1.0;
  o.seed = 11;
  for (Precision p : {Precision::F64, Precision::F32}) {
    CAPTURE(name_of(p));
    auto one = workers_for(m, d, 1, p), three = workers_for(m, d, 3, p);
    const RoughnessResult r1 = run(o, raw(one));
    const RoughnessResult r3 = run(o, raw(three));
    CHECK(r1.status == Status::Ok);
    CHECK(r1.tv == r3.tv);
    CHECK(r1.profiles == r3.profiles);
    CHECK(r1.ri == r3.ri);
    CHECK(std::isfinite(r1.ri));
    CHECK(r1.ri > 0.0);
    CHECK(r1.passes == o.directions * o.points + 1);
    // Every TV is at least the monotone value 1/(2l).
    for (double tv : r1.tv) CHECK(tv >= 1.0 / (2 * o.radius) * (1 - 1e-12));
    RoughnessOptions other = o;
    other.seed = 12;
    CHECK(run(other, raw(one)).ri != r1.ri);
    CHECK(one[0]->parameters() == m.theta);
  }
}

TEST_CASE(
    "all-zero filters make zero directions: flat profiles, no NaN in the data, RI undefined") {
  ArchOptions a;
  Model m = build_arch("mlp:4-5-2:tanh", a);
  std::fill(m.theta.begin(), m.theta.end(), 0.0);
  const Dataset d = random_dataset(m.graph, 10, 2, 4);
  auto w = workers_for(m, d, 1);
  RoughnessOptions o;
  o.directions = 3;
  o.points = 4;
  const RoughnessResult r = run(o, raw(w));
  CHECK(r.flat_profiles == 3);
  for (double v : r.profiles) CHECK(v == doctest::Approx(r.loss));
  CHECK(r.status == Status::NonFinite);
  CHECK(r.message.find("flat") != std::string::npos);
}
