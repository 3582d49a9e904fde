// Tests of analyzers/bit_allocation: the allocation equals brute force over every allocation (tie
// groups respected) on a 5-block MLP for several budgets and criteria; the joint prediction equals
// gᵀΔ + ½ΔᵀHΔ with the dense Hessian, and the measurement on an exactly quadratic loss; the
// fake-quantized parameters are the quantizer applied block by block; budgets are parsed and
// refused outside the feasible range; ties with different widths allowed and missing criteria are
// refused; MACs per block by hand; the Pareto sweep runs from all-lowest to all-highest.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "analyzers/bit_allocation.h"
#include "analyzers/quantizer.h"
#include "engine/arch.h"
#include "support/curvature_fixture.h"
#include "support/fd_check.h"
#include "support/least_squares.h"

using namespace hess;
using namespace hess::test;

namespace {

// Summed costs of the same allocation computed in two orders.
constexpr double kCostTol = 1e-12;
// Joint prediction against the reference from an FD gradient (good to ~1e-9) and the dense Hessian.
constexpr double kJointRelTol = 1e-6;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

// A 5-block tanh MLP (P = 299) over random data, with its dense Hessian.
ModelProblem five_blocks() {
  return model_problem("mlp:6-8-8-8-8-3:tanh", 64, 3, 11);
}

struct Best {
  double cost = std::numeric_limits<double>::infinity();
  std::vector<int> bits;
};

// The cost of unit u at width index w: the criterion summed over its blocks, or with `monotone`
// the largest such sum at that width or wider (AllocationOptions::monotone).
double unit_cost(const SensitivityResult& s, SensitivityCriterion c, size_t u, size_t w,
                 bool monotone) {
  double worst = -std::numeric_limits<double>::infinity();
  for (size_t v = w; v < (monotone ? s.bits.size() : w + 1); ++v) {
    double cost = 0.0;
    for (int i : s.units[u]) cost += allocation_cost(s, c, i, v);
    worst = std::max(worst, cost);
  }
  return worst;
}

// Every allocation of s.bits to the units of s, the cheapest within `capacity` bits.
Best brute_force(const SensitivityResult& s, SensitivityCriterion c, int64_t capacity,
                 bool monotone) {
  Best best;
  const size_t nu = s.units.size(), nw = s.bits.size();
  std::vector<size_t> idx(nu, 0);
  while (true) {
    int64_t bits = 0;
    double cost = 0.0;
    std::vector<int> widths(s.blocks.size());
    for (size_t u = 0; u < nu; ++u) {
      cost += unit_cost(s, c, u, idx[u], monotone);
      for (int i : s.units[u]) {
        bits += s.blocks[i].params * s.bits[idx[u]];
        widths[i] = s.bits[idx[u]];
      }
    }
    if (bits <= capacity && cost < best.cost) best = {cost, widths};
    size_t k = 0;
    while (k < nu && ++idx[k] == nw) idx[k++] = 0;
    if (k == nu) break;
  }
  return best;
}

// The cost of an allocation (widths per block) as brute_force counts it.
double allocation_total(const SensitivityResult& s, SensitivityCriterion c,
                        const std::vector<int>& bits, bool monotone) {
  double cost = 0.0;
  for (size_t u = 0; u < s.units.size(); ++u) {
    const int b = bits[s.units[u][0]];
    const size_t w =
        static_cast<size_t>(std::find(s.bits.begin(), s.bits.end(), b) - s.bits.begin());
    cost += unit_cost(s, c, u, w, monotone);
  }
  return cost;
}

}  // namespace

TEST_CASE("budgets parse; bad ones are refused naming the budget") {
  const Budget a = parse_budget("avg-bits=4.5");
  CHECK(a.kind == BudgetKind::AvgBits);
  CHECK(a.value == 4.5);
  CHECK(parse_budget("size=1e6").kind == BudgetKind::Size);
  CHECK(parse_budget("bops=123").value == 123.0);
  CHECK(to_string(parse_budget("size=2048")) == "size=2048");
  for (const char* bad : {"4", "avg-bits", "avg-bits=", "avg-bits=x", "avg-bits=-1", "avg-bits=0",
                          "bytes=10", "size=10k", "avg-bits=inf"}) {
    CAPTURE(bad);
    CHECK(message_of([&] { parse_budget(bad); }).starts_with("budget"));
  }
  AllocationOptions o;
  CHECK(message_of([&] { o.validate(); }).starts_with("budget is missing"));
  o.pareto_points = 1;
  CHECK(message_of([&] { o.validate(); }).starts_with("pareto_points"));
  o.pareto_points = 3;
  CHECK(message_of([&] { o.validate(); }) == "accepted");
}

TEST_CASE("the allocation equals brute force over all allocations, ties respected") {
  ModelProblem p = five_blocks();
  SensitivityOptions so;
  so.ties = {"fc[24].weight"};
  so.trace_probes = 100;
  const SensitivityResult s = run(so, *p.objective);
  REQUIRE(s.blocks.size() == 5);
  REQUIRE(s.units.size() == 4);
  int64_t n = 0;
  for (const BlockSensitivity& b : s.blocks) n += b.params;
  for (SensitivityCriterion c : {SensitivityCriterion::Predicted, SensitivityCriterion::Measured,
                                 SensitivityCriterion::Omega, SensitivityCriterion::Lambda}) {
    for (bool monotone : {false, true}) {
      for (double avg : {2.0, 2.5, 3.0, 3.7, 5.0, 7.9, 8.0}) {
        CAPTURE(name_of(c));
        CAPTURE(monotone);
        CAPTURE(avg);
        AllocationOptions ao;
        ao.criterion = c;
        ao.budget = "avg-bits=" + std::to_string(avg);
        ao.measure = false;
        ao.monotone = monotone;
        const AllocationResult r = allocate(ao, s, *p.objective);
        REQUIRE(r.allocation);
        const Allocation& a = *r.allocation;
        const int64_t capacity = static_cast<int64_t>(std::floor(avg * n + 1e-9));
        const Best want = brute_force(s, c, capacity, monotone);
        const double got = allocation_total(s, c, a.bits, monotone);
        CHECK(std::abs(got - want.cost) <= kCostTol * (1 + std::abs(want.cost)));
        if (monotone) {
          // No unit can take its next width within the budget: the leftover was spent.
          for (size_t u = 0; u < s.units.size(); ++u) {
            const auto w = std::find(s.bits.begin(), s.bits.end(), a.bits[s.units[u][0]]);
            if (w + 1 == s.bits.end()) continue;
            int64_t extra = 0;
            for (int i : s.units[u]) extra += s.blocks[i].params * (*(w + 1) - *w);
            CHECK(a.weight_bits + extra > capacity);
          }
        }
        CHECK(a.bits[1] == a.bits[3]);  // fc2 and fc4 tied
        CHECK(a.average_bits <= avg + 1e-12);
        CHECK(a.size_bytes == doctest::Approx(a.average_bits * n / 8));
        CHECK(r.feasible_min == 2.0);
        CHECK(r.feasible_max == 8.0);
      }
    }
  }
}

TEST_CASE("joint prediction equals gᵀΔ + ½ΔᵀHΔ with the dense Hessian; parameters quantized") {
  ModelProblem p = five_blocks();
  SensitivityOptions so;
  so.lambda = so.trace = false;
  so.granularity = Granularity::Tensor;
  const SensitivityResult s = run(so, *p.objective);
  const std::vector<int> bits = {2, 8, 4, 3, 8};
  const Allocation a = evaluate_allocation(s, bits, *p.objective);
  const std::vector<double>& theta = p.model.theta;
  CHECK(p.objective->parameters() == theta);
  const std::vector<double> q = quantized_parameters(p.model.graph, theta, s, bits);
  std::vector<bool> touched(theta.size(), false);
  double summed = 0.0;
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    const Block& b = p.model.graph.blocks[s.blocks[i].block];
    const std::vector<double> want =
        quantize(std::span<const double>(theta.data() + b.offset, b.size()), b.shape, bits[i],
                 Granularity::Tensor);
    for (int64_t t = 0; t < b.size(); ++t) {
      CHECK(std::abs(q[b.offset + t] - want[t]) <= 1e-12);
      touched[b.offset + t] = true;
    }
    const size_t w = std::find(s.bits.begin(), s.bits.end(), bits[i]) - s.bits.begin();
    summed += s.blocks[i].predicted_dloss[w];
  }
  for (size_t t = 0; t < theta.size(); ++t) {
    if (!touched[t]) CHECK(q[t] == theta[t]);  // biases untouched
  }
  Eigen::VectorXd d(theta.size());
  for (size_t t = 0; t < theta.size(); ++t) d(t) = q[t] - theta[t];
  auto reference = double_objective(p.model, p.data);
  const Eigen::VectorXd g = fd_gradient(*reference, theta);
  const double lin = g.dot(d), quad = 0.5 * d.dot(p.dense * d);
  CHECK(std::abs(a.predicted_dloss_joint - (lin + quad)) <=
        kJointRelTol * (std::abs(lin) + std::abs(quad)));
  CHECK(a.predicted_dloss == doctest::Approx(summed).epsilon(1e-14));
  reference->set_parameters(q);
  CHECK(a.measured_dloss == doctest::Approx(reference->value().loss - s.loss).epsilon(1e-12));
  CHECK(a.weight_bits == 6 * 8 * 2 + 64 * 8 + 64 * 4 + 64 * 3 + 24 * 8);
}

TEST_CASE("on an exactly quadratic loss the joint prediction is the measured change") {
  const LeastSquares ls = least_squares_problem(5, 4, 40, 3);
  auto obj = double_objective(ls.model, ls.data);
  SensitivityOptions so;
  so.all_roles = true;
  so.lambda = so.trace = false;
  const SensitivityResult s = run(so, *obj);
  REQUIRE(s.blocks.size() == 2);
  for (const std::vector<int>& bits : {std::vector<int>{2, 2}, {3, 8}, {8, 4}}) {
    const Allocation a = evaluate_allocation(s, bits, *obj);
    CHECK(a.measured_dloss == doctest::Approx(a.predicted_dloss_joint).epsilon(1e-9));
  }
}

TEST_CASE("budgets outside the feasible range, unequal tied widths and missing criteria refused") {
  ModelProblem p = five_blocks();
  SensitivityOptions so;
  so.lambda = so.trace = so.measure = false;
  so.bits = {2, 4, 8};
  so.ties = {"fc[24].weight"};
  const SensitivityResult s = run(so, *p.objective);
  int64_t n = 0;
  for (const BlockSensitivity& b : s.blocks) n += b.params;
  AllocationOptions ao;
  ao.budget = "avg-bits=1.5";
  CHECK(message_of([&] { allocate(ao, s, *p.objective); }) ==
        "budget: avg-bits=1.5 is outside the feasible range avg-bits=2..8 (every block at its "
        "lowest width .. at its highest)");
  ao.budget = "avg-bits=8.5";
  CHECK(message_of([&] { allocate(ao, s, *p.objective); }).starts_with("budget: avg-bits=8.5"));
  ao.budget = "size=" + std::to_string(n * 2 / 8 - 1);
  CHECK(message_of([&] {
          allocate(ao, s, *p.objective);
        }).find("feasible range size=" + std::to_string(n * 2 / 8) + "..") != std::string::npos);
  ao.budget = "avg-bits=4";
  ao.criterion = SensitivityCriterion::Measured;
  CHECK(message_of([&] { allocate(ao, s, *p.objective); }).starts_with("criterion"));
  ao.criterion = SensitivityCriterion::Predicted;
  SensitivityResult broken = s;
  broken.blocks[3].predicted_dloss[0] = std::numeric_limits<double>::quiet_NaN();  // fc4 at 2 bits
  CHECK(message_of([&] { allocate(ao, broken, *p.objective); })
            .starts_with("ties: blocks fc2.weight and fc4.weight are tied but allow different "
                         "widths (2,4,8 and 4,8)"));
  // The all-lowest and all-highest budgets are feasible: the first allows only all-lowest, the
  // second every allocation (whose optimum need not be all-highest: away from a minimum the
  // gradient term can favour a coarser width).
  ao.budget = "avg-bits=2";
  CHECK(allocate(ao, s, *p.objective).allocation->bits == std::vector<int>(5, 2));
  ao.budget = "size=" + std::to_string(n);
  CHECK(allocate(ao, s, *p.objective).allocation->average_bits <= 8.0);
}

TEST_CASE("check_budget refuses before a study what allocate refuses after it") {
  ModelProblem p = five_blocks();
  const Graph& g = p.objective->graph();
  const std::vector<int> weights = {0, 2, 4, 6, 8};  // fc1..fc5.weight
  int64_t n = 0;
  for (int b : weights) n += g.blocks[b].size();
  CHECK(uniform_budget_value(g, weights, 4, BudgetKind::AvgBits, 32) == 4.0);
  CHECK(uniform_budget_value(g, weights, 4, BudgetKind::Size, 32) == n * 4 / 8.0);
  const std::vector<int64_t> macs = block_macs(g, weights);
  int64_t ops = 0;
  for (int64_t m : macs) ops += m * 4 * 32;
  CHECK(uniform_budget_value(g, weights, 4, BudgetKind::Bops, 32) == ops);

  SensitivityOptions so;
  so.lambda = so.trace = so.measure = false;
  so.bits = {2, 4, 8};
  const SensitivityResult s = run(so, *p.objective);
  AllocationOptions ao;
  for (const char* budget : {"avg-bits=1.5", "avg-bits=8.5", "size=10", "bops=1"}) {
    CAPTURE(budget);
    ao.budget = budget;
    const std::string before = message_of([&] { check_budget(ao, g, weights, so.bits); });
    CHECK(before.find("outside the feasible range") != std::string::npos);
    CHECK(before == message_of([&] { allocate(ao, s, *p.objective); }));
  }
  ao.budget = "avg-bits=3";
  CHECK(message_of([&] { check_budget(ao, g, weights, so.bits); }) == "accepted");
  // A bias has no known multiply-adds: bops is refused, naming it.
  ao.budget = "bops=1000";
  CHECK(message_of([&] {
          check_budget(ao, g, {0, 1}, so.bits);
        }).find("unknown for fc1.bias") != std::string::npos);
}

TEST_CASE("multiply-adds per block and the bops budget") {
  const Model mlp = build_arch("mlp:6-8-3:tanh", {});
  CHECK(block_macs(mlp.graph, {0, 1, 2, 3}) == std::vector<int64_t>{48, -1, 24, -1});
  const Model cnn = build_arch("cnn:1x8x8-c6k3-pool2-c8k3p1-10:tanh", {});
  // conv1: 6x6x6 outputs x 1·3·3; conv2 on 6x3x3 with padding 1: 8x3x3 outputs x 6·3·3; fc:
  // 10 x 72.
  CHECK(block_macs(cnn.graph, {0, 2, 4}) == std::vector<int64_t>{216 * 9, 72 * 54, 720});
  const Model t = build_arch("transformer:s8-v16-d8-h2-f16-4", {});
  const int pos = t.graph.find_block("pos_emb"), tok = t.graph.find_block("tok_emb.weight");
  CHECK(block_macs(t.graph, {tok, pos}) == std::vector<int64_t>{0, -1});

  ModelProblem p = five_blocks();
  SensitivityOptions so;
  so.lambda = so.trace = false;
  const SensitivityResult s = run(so, *p.objective);
  AllocationOptions ao;
  ao.budget = "bops=" + std::to_string(299 * 4 * 32);
  ao.measure = false;
  const AllocationResult r = allocate(ao, s, *p.objective);
  REQUIRE(r.allocation);
  CHECK(r.allocation->bops <= 299 * 4 * 32);
  CHECK(r.feasible_min == (48 + 64 * 3 + 24) * 2 * 32);
}

TEST_CASE("the Pareto sweep runs from all-lowest to all-highest, cost falling") {
  ModelProblem p = five_blocks();
  SensitivityOptions so;
  so.lambda = so.trace = false;
  const SensitivityResult s = run(so, *p.objective);
  AllocationOptions ao;
  ao.pareto_points = 9;
  ao.monotone = false;  // the criterion as computed
  const AllocationResult r = allocate(ao, s, *p.objective);
  CHECK(!r.allocation);
  REQUIRE(r.pareto.size() >= 2);
  CHECK(r.pareto.front().bits == std::vector<int>(5, 2));
  // The heaviest point is the unconstrained optimum: each block at its cheapest width.
  double cheapest = 0.0;
  for (const BlockSensitivity& b : s.blocks) {
    cheapest += *std::min_element(b.predicted_dloss.begin(), b.predicted_dloss.end());
  }
  CHECK(r.pareto.back().cost == doctest::Approx(cheapest).epsilon(kCostTol));
  for (size_t k = 1; k < r.pareto.size(); ++k) {
    CHECK(r.pareto[k].size_bytes > r.pareto[k - 1].size_bytes);
    CHECK(r.pareto[k].cost < r.pareto[k - 1].cost);
    CHECK(std::isfinite(r.pareto[k].measured_dloss));
  }
  CHECK(r.hvps == static_cast<int64_t>(r.pareto.size()));
}
