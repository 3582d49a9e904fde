// Tests of engine/optimizer: update rules against hand-computed steps and torch.optim trajectories
// (float64, tests/data/make_optimizer_reference.py), Adam's bias correction, exact state restore.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "engine/optimizer.h"

using namespace hess;

namespace {

// Agreement with the reference: both sides run the same few flops in double.
constexpr double kRefTol = 1e-14;
constexpr int kRefSteps = 5;
using Traj = std::array<std::array<double, 2>, kRefSteps>;

// f(θ) = ½ θᵀAθ + bᵀθ + (λ/2)‖θ‖², A = [[3, 1], [1, 2]], b = [0.5, −1], λ = 0.1 (the script's).
void quadratic_grad(const std::vector<double>& t, std::vector<double>& g) {
  constexpr double kLambda = 0.1;
  g[0] = 3.0 * t[0] + 1.0 * t[1] + 0.5 + kLambda * t[0];
  g[1] = 1.0 * t[0] + 2.0 * t[1] - 1.0 + kLambda * t[1];
}

// θ after each of 5 steps from θ₀ = [1, −2], printed by tests/data/make_optimizer_reference.py.
const Traj kTorchSgd = {{{0.83999999999999997, -1.5799999999999998},
                         {0.68759999999999999, -1.2322},
                         {0.54766400000000004, -0.94219799999999998},
                         {0.42210796, -0.69910282000000001},
                         {0.31116477440000001, -0.49450202380000002}}};
const Traj kTorchMomentum = {{{0.83999999999999997, -1.5799999999999998},
                              {0.54359999999999986, -0.85419999999999985},
                              {0.14374399999999982, 0.024042000000000213},
                              {-0.31309124000000021, 0.89503658000000019},
                              {-0.76668832960000022, 1.6222831442000003}}};
const Traj kTorchNesterov = {{{0.69599999999999995, -1.202},
                              {0.28983599999999998, -0.32444199999999995},
                              {-0.14877702400000004, 0.47520571800000011},
                              {-0.54452370088400004, 1.0983149192780002},
                              {-0.83739135999774417, 1.5007689993462383}}};
const Traj kTorchAdam = {{{0.90000000062499996, -1.9000000002380952},
                          {0.80061100402727892, -1.8000779701722729},
                          {0.70239274902221416, -1.7002892927959969},
                          {0.60604614253833633, -1.6006925290200422},
                          {0.51242835923683194, -1.5013501877423323}}};

OptimizerOptions options(OptimizerKind kind, double lr) {
  OptimizerOptions o;
  o.kind = kind;
  o.lr = lr;
  return o;
}

void check_trajectory(OptimizerKind kind, const Traj& ref) {
  CAPTURE(name_of(kind));
  Optimizer opt(options(kind, 0.1), 2);
  std::vector<double> theta = {1.0, -2.0}, g(2);
  for (int s = 0; s < kRefSteps; ++s) {
    quadratic_grad(theta, g);
    opt.step(theta.data(), g.data());
    CAPTURE(s);
    CHECK(std::abs(theta[0] - ref[s][0]) < kRefTol);
    CHECK(std::abs(theta[1] - ref[s][1]) < kRefTol);
  }
  CHECK(opt.state().step == kRefSteps);
}

}  // namespace

TEST_CASE("names map both ways and bad names are refused") {
  for (OptimizerKind k : {OptimizerKind::GD, OptimizerKind::SGD, OptimizerKind::Momentum,
                          OptimizerKind::Nesterov, OptimizerKind::Adam}) {
    CHECK(parse_enum<OptimizerKind>(name_of(k)) == k);
  }
  CHECK(name_of(OptimizerKind::Nesterov) == "nesterov");
  CHECK_THROWS_AS(parse_enum<OptimizerKind>("adamw"), std::invalid_argument);
  CHECK_THROWS_AS(parse_enum<OptimizerKind>(""), std::invalid_argument);
}

TEST_CASE("hand-computed steps on f(θ) = θ² (g = 2θ, θ₀ = 1, η = 0.1, β = 0.9)") {
  // gd: θ ← θ − η g: 1 → 0.8 → 0.64 → 0.512.
  // momentum: b = 2, θ = 0.8; g = 1.6, b = 3.4, θ = 0.46; g = 0.92, b = 3.98, θ = 0.062.
  // nesterov: g = 2, b = 2, θ = 1 − 0.1(2 + 1.8) = 0.62; g = 1.24, b = 3.04, θ = 0.62 − 0.1(1.24
  // + 2.736)
  //   = 0.2224; g = 0.4448, b = 3.1808, θ = 0.2224 − 0.1(0.4448 + 2.86272) = −0.108352.
  struct Case {
    OptimizerKind kind;
    std::array<double, 3> expect;
  };
  const Case cases[] = {{OptimizerKind::GD, {0.8, 0.64, 0.512}},
                        {OptimizerKind::SGD, {0.8, 0.64, 0.512}},
                        {OptimizerKind::Momentum, {0.8, 0.46, 0.062}},
                        {OptimizerKind::Nesterov, {0.62, 0.2224, -0.108352}}};
  for (const Case& c : cases) {
    CAPTURE(name_of(c.kind));
    Optimizer opt(options(c.kind, 0.1), 1);
    double theta = 1.0;
    for (int s = 0; s < 3; ++s) {
      const double g = 2.0 * theta;
      opt.step(&theta, &g);
      CHECK(theta == doctest::Approx(c.expect[s]).epsilon(1e-13));
    }
  }
}

TEST_CASE("trajectories agree with torch.optim in float64") {
  check_trajectory(OptimizerKind::SGD, kTorchSgd);
  check_trajectory(OptimizerKind::Momentum, kTorchMomentum);
  check_trajectory(OptimizerKind::Nesterov, kTorchNesterov);
  check_trajectory(OptimizerKind::Adam, kTorchAdam);
}

TEST_CASE("Adam's bias correction: under a constant gradient every step has length η") {
  // m_t = (1 − β₁ᵗ) g and v_t = (1 − β₂ᵗ) g², so m̂ = g and v̂ = g²: each step is η g / (|g| + ε).
  // Without the correction the first step would be η (1 − β₁)/√(1 − β₂) ≈ 3.16 η.
  OptimizerOptions o = options(OptimizerKind::Adam, 0.01);
  o.beta1 = 0.8;
  o.beta2 = 0.99;
  Optimizer opt(o, 2);
  std::vector<double> theta = {0.0, 0.0};
  const std::vector<double> g = {4.0, -0.25};
  for (int s = 1; s <= 6; ++s) {
    const std::vector<double> before = theta;
    opt.step(theta.data(), g.data());
    CAPTURE(s);
    CHECK(before[0] - theta[0] == doctest::Approx(0.01 * 4.0 / (4.0 + o.epsilon)).epsilon(1e-12));
    CHECK(before[1] - theta[1] ==
          doctest::Approx(-0.01 * 0.25 / (0.25 + o.epsilon)).epsilon(1e-12));
  }
  // The moments are the uncorrected ones: m = (1 − β₁⁶) g.
  CHECK(opt.state().buffers[0].first == "exp_avg");
  CHECK(opt.state().buffers[0].second[0] ==
        doctest::Approx((1.0 - std::pow(0.8, 6)) * 4.0).epsilon(1e-14));
  CHECK(opt.state().buffers[1].second[1] ==
        doctest::Approx((1.0 - std::pow(0.99, 6)) * 0.0625).epsilon(1e-14));
}

TEST_CASE("a restored state continues bit for bit") {
  for (OptimizerKind k :
       {OptimizerKind::GD, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam}) {
    CAPTURE(name_of(k));
    std::vector<double> g(2);
    Optimizer whole(options(k, 0.05), 2);
    std::vector<double> a = {1.0, -2.0};
    for (int s = 0; s < kRefSteps; ++s) {
      quadratic_grad(a, g);
      whole.step(a.data(), g.data());
    }
    Optimizer first(options(k, 0.05), 2);
    std::vector<double> b = {1.0, -2.0};
    for (int s = 0; s < 2; ++s) {
      quadratic_grad(b, g);
      first.step(b.data(), g.data());
    }
    const OptimizerState saved = first.state();
    Optimizer second(options(k, 0.05), 2);
    second.restore(saved);
    CHECK(second.state().step == 2);
    for (int s = 2; s < kRefSteps; ++s) {
      quadratic_grad(b, g);
      second.step(b.data(), g.data());
    }
    CHECK(a[0] == b[0]);
    CHECK(a[1] == b[1]);
  }
}

TEST_CASE("bad options and mismatched states are refused, naming the field") {
  auto throws_with = [](OptimizerOptions o, const char* field) {
    CAPTURE(field);
    try {
      o.validate();
      FAIL("validate() accepted a bad value");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  OptimizerOptions o;
  o.lr = -0.1;
  throws_with(o, "lr (learning rate)");
  o = {};
  o.lr = NAN;
  throws_with(o, "lr (learning rate)");
  o = {};
  o.momentum = 1.0;
  throws_with(o, "momentum");
  o = {};
  o.beta2 = -0.5;
  throws_with(o, "beta2");
  o = {};
  o.epsilon = 0.0;
  throws_with(o, "epsilon");

  Optimizer adam(options(OptimizerKind::Adam, 0.1), 3);
  Optimizer mom(options(OptimizerKind::Momentum, 0.1), 3);
  CHECK_THROWS_AS(adam.restore(mom.state()), std::invalid_argument);
  OptimizerState short_state = mom.state();
  short_state.buffers[0].second.resize(2);
  CHECK_THROWS_AS(mom.restore(short_state), std::invalid_argument);
  CHECK_THROWS_AS(Optimizer(options(OptimizerKind::SGD, 0.1), 0), std::invalid_argument);
}
