#pragma once
// Exact multiple-choice knapsack: pick one choice per item, minimizing the summed cost subject to
// the summed weight ≤ capacity (the bit allocation of HAWQ-V2/V3: items are layers or tie groups,
// choices their widths, weights their bits or bit-operations, costs their predicted loss change).
//
// Method: dynamic programming over the Pareto frontier. After item k, the states are the
// (weight, cost) pairs reachable with items 0..k that no other reachable pair dominates (lighter
// or as light and cheaper); a pair heavier than the capacity is dropped. Extending a state by a
// choice of the next item and pruning again keeps every optimum, so the final frontier holds the
// optimum for every capacity C at once: its heaviest state of weight ≤ C (along the frontier the
// cost falls as the weight grows). Exact, with no ILP solver and no discretisation of
// the budget; the work is Σ_k |frontier_k| · choices_k, bounded by the number of distinct weight
// sums. Ties (equal weight and cost) keep the allocation found first, so results are
// deterministic.
//
//   std::vector<hess::KnapsackItem> items = {{{{8, 0.5}, {16, 0.1}}}, {{{4, 0.3}, {8, 0.2}}}};
//   hess::KnapsackSolution s = hess::solve_knapsack(items, 20);   // s.choice = {1, 0}

#include <cstdint>
#include <vector>

namespace hess {

struct KnapsackChoice {
  int64_t weight = 0;  // ≥ 0
  double cost = 0.0;   // finite
};

struct KnapsackItem {
  std::vector<KnapsackChoice> choices;  // at least one
};

struct KnapsackSolution {
  bool feasible = false;    // false when even the lightest choices exceed the capacity
  std::vector<int> choice;  // per item, index into its choices (empty when infeasible)
  int64_t weight = 0;
  double cost = 0.0;
};

// The cheapest selection of weight ≤ capacity. Throws std::invalid_argument for an item without
// choices, a negative weight or a non-finite cost.
KnapsackSolution solve_knapsack(const std::vector<KnapsackItem>& items, int64_t capacity);

// Every Pareto-optimal selection of weight ≤ capacity, by increasing weight (and so decreasing
// cost): the optimum for each capacity is the heaviest entry not above it.
std::vector<KnapsackSolution> knapsack_frontier(const std::vector<KnapsackItem>& items,
                                                int64_t capacity);

// Lightest and heaviest total weight (every item at its lightest, at its heaviest choice).
int64_t min_weight(const std::vector<KnapsackItem>& items);
int64_t max_weight(const std::vector<KnapsackItem>& items);

}  // namespace hess
