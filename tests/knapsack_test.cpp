// Tests of analyzers/knapsack: the Pareto-frontier dynamic programme equals brute force over all
// selections on random instances of up to 6 items (costs of both signs, repeated weights, ties),
// every frontier entry is the optimum of its own capacity, and infeasible capacities are reported.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "analyzers/knapsack.h"
#include "engine/random.h"

using namespace hess;

namespace {

// Costs are sums of a handful of doubles; two selections of equal cost may differ by rounding.
constexpr double kCostTol = 1e-12;

struct Brute {
  bool feasible = false;
  double cost = std::numeric_limits<double>::infinity();
  int64_t weight = 0;
};

Brute brute_force(const std::vector<KnapsackItem>& items, int64_t capacity) {
  Brute best;
  std::vector<int> idx(items.size(), 0);
  while (true) {
    int64_t w = 0;
    double c = 0.0;
    for (size_t i = 0; i < items.size(); ++i) {
      w += items[i].choices[idx[i]].weight;
      c += items[i].choices[idx[i]].cost;
    }
    if (w <= capacity && c < best.cost) best = {true, c, w};
    size_t k = 0;
    while (k < items.size() && ++idx[k] == static_cast<int>(items[k].choices.size())) idx[k++] = 0;
    if (k == items.size()) break;
  }
  return best;
}

std::vector<KnapsackItem> random_instance(uint64_t seed) {
  Rng rng(seed);
  const int n = 1 + static_cast<int>(rng.below(6));
  std::vector<KnapsackItem> items(n);
  for (KnapsackItem& it : items) {
    const int m = 1 + static_cast<int>(rng.below(4));
    const int64_t size = 1 + rng.below(20);
    for (int j = 0; j < m; ++j) {
      // Widths like 2, 3, 4, 8 bits times a block size; costs falling with width but noisy and
      // sometimes negative (a gradient term).
      const int64_t bits = std::vector<int64_t>{2, 3, 4, 8}[j];
      it.choices.push_back({size * bits, std::exp(-0.7 * bits) * (1 + rng.normal()) - 0.01});
    }
  }
  return items;
}

double cost_of(const std::vector<KnapsackItem>& items, const std::vector<int>& choice) {
  double c = 0.0;
  for (size_t i = 0; i < items.size(); ++i) c += items[i].choices[choice[i]].cost;
  return c;
}

int64_t weight_of(const std::vector<KnapsackItem>& items, const std::vector<int>& choice) {
  int64_t w = 0;
  for (size_t i = 0; i < items.size(); ++i) w += items[i].choices[choice[i]].weight;
  return w;
}

}  // namespace

TEST_CASE("the optimum equals brute force on 300 random instances of up to 6 items") {
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    const std::vector<KnapsackItem> items = random_instance(seed);
    const int64_t lo = min_weight(items), hi = max_weight(items);
    for (int64_t cap : {lo - 1, lo, (lo + hi) / 2, lo + (hi - lo) / 3, hi, hi + 5}) {
      CAPTURE(cap);
      const Brute want = brute_force(items, cap);
      const KnapsackSolution got = solve_knapsack(items, cap);
      REQUIRE(got.feasible == want.feasible);
      if (!want.feasible) {
        CHECK(got.choice.empty());
        continue;
      }
      REQUIRE(got.choice.size() == items.size());
      CHECK(got.weight <= cap);
      CHECK(got.weight == weight_of(items, got.choice));
      CHECK(got.cost == doctest::Approx(cost_of(items, got.choice)).epsilon(kCostTol));
      CHECK(std::abs(got.cost - want.cost) <= kCostTol * (1 + std::abs(want.cost)));
    }
  }
}

TEST_CASE("every frontier entry is the optimum at its own weight, by increasing weight") {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    CAPTURE(seed);
    const std::vector<KnapsackItem> items = random_instance(1000 + seed);
    const std::vector<KnapsackSolution> f = knapsack_frontier(items, max_weight(items));
    REQUIRE(!f.empty());
    CHECK(f.front().weight == brute_force(items, min_weight(items)).weight);
    for (size_t k = 0; k < f.size(); ++k) {
      const Brute want = brute_force(items, f[k].weight);
      CHECK(std::abs(f[k].cost - want.cost) <= kCostTol * (1 + std::abs(want.cost)));
      if (k > 0) {
        CHECK(f[k].weight > f[k - 1].weight);
        CHECK(f[k].cost < f[k - 1].cost);
      }
    }
  }
}

TEST_CASE("hand-worked instance, no items, and bad items") {
  const std::vector<KnapsackItem> items = {{{{8, 0.5}, {16, 0.1}}}, {{{4, 0.3}, {8, 0.2}}}};
  const KnapsackSolution s = solve_knapsack(items, 20);
  CHECK(s.feasible);
  CHECK(s.choice == std::vector<int>{1, 0});  // 16 + 4: 0.4 beats 8 + 8: 0.7
  CHECK(s.weight == 20);
  CHECK(!solve_knapsack(items, 11).feasible);
  CHECK(solve_knapsack(items, 12).choice == std::vector<int>{0, 0});
  const KnapsackSolution none = solve_knapsack({}, 0);
  CHECK(none.feasible);
  CHECK(none.choice.empty());
  CHECK_THROWS_AS(solve_knapsack({KnapsackItem{}}, 10), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack({{{{-1, 0.0}}}}, 10), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack({{{{1, std::nan("")}}}}, 10), std::invalid_argument);
}
