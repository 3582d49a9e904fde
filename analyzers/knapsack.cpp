#include "analyzers/knapsack.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace hess {

namespace {

struct State {
  int64_t weight = 0;
  double cost = 0.0;
  int64_t prev = -1;  // index of the state it extends, in the previous stage
  int choice = -1;    // the choice it adds
};

void check_items(const std::vector<KnapsackItem>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].choices.empty())
      throw std::invalid_argument("knapsack: item " + std::to_string(i) + " has no choice");
    for (const KnapsackChoice& c : items[i].choices) {
      if (c.weight < 0)
        throw std::invalid_argument("knapsack: item " + std::to_string(i) +
                                    " has a negative weight");
      if (!std::isfinite(c.cost))
        throw std::invalid_argument("knapsack: item " + std::to_string(i) +
                                    " has a non-finite cost");
    }
  }
}

// The Pareto frontier after each item (stage k + 1 after item k; stage 0 is the empty selection).
std::vector<std::vector<State>> frontiers(const std::vector<KnapsackItem>& items,
                                          int64_t capacity) {
  check_items(items);
  std::vector<std::vector<State>> stages(1, std::vector<State>{State{}});
  if (capacity < 0) {
    stages[0].clear();
    return stages;
  }
  std::vector<State> candidates;
  for (const KnapsackItem& item : items) {
    const std::vector<State>& prev = stages.back();
    candidates.clear();
    for (size_t s = 0; s < prev.size(); ++s) {
      for (size_t c = 0; c < item.choices.size(); ++c) {
        const int64_t w = prev[s].weight + item.choices[c].weight;
        if (w > capacity) continue;
        candidates.push_back(
            {w, prev[s].cost + item.choices[c].cost, static_cast<int64_t>(s), static_cast<int>(c)});
      }
    }
    // Lightest first, then cheapest; stable, so among equals the first generated stays.
    std::stable_sort(candidates.begin(), candidates.end(), [](const State& a, const State& b) {
      return a.weight != b.weight ? a.weight < b.weight : a.cost < b.cost;
    });
    std::vector<State> next;
    double best = std::numeric_limits<double>::infinity();
    for (const State& s : candidates) {
      if (s.cost < best) {
        next.push_back(s);
        best = s.cost;
      }
    }
    stages.push_back(std::move(next));
    if (stages.back().empty()) break;
  }
  return stages;
}

KnapsackSolution trace_back(const std::vector<std::vector<State>>& stages, size_t index) {
  KnapsackSolution sol;
  sol.feasible = true;
  sol.weight = stages.back()[index].weight;
  sol.cost = stages.back()[index].cost;
  sol.choice.assign(stages.size() - 1, -1);
  int64_t at = static_cast<int64_t>(index);
  for (size_t k = stages.size() - 1; k > 0; --k) {
    const State& s = stages[k][at];
    sol.choice[k - 1] = s.choice;
    at = s.prev;
  }
  return sol;
}

bool complete(const std::vector<std::vector<State>>& stages, size_t items) {
  return stages.size() == items + 1 && !stages.back().empty();
}

}  // namespace

KnapsackSolution solve_knapsack(const std::vector<KnapsackItem>& items, int64_t capacity) {
  const std::vector<std::vector<State>> stages = frontiers(items, capacity);
  if (!complete(stages, items.size())) return {};
  // The frontier's cost falls as its weight grows: the heaviest state is the cheapest.
  return trace_back(stages, stages.back().size() - 1);
}

std::vector<KnapsackSolution> knapsack_frontier(const std::vector<KnapsackItem>& items,
                                                int64_t capacity) {
  const std::vector<std::vector<State>> stages = frontiers(items, capacity);
  std::vector<KnapsackSolution> out;
  if (!complete(stages, items.size())) return out;
  for (size_t i = 0; i < stages.back().size(); ++i) out.push_back(trace_back(stages, i));
  return out;
}

namespace {

// Σ over items of the weight `better` prefers among each item's choices.
template <class Better>
int64_t summed_weight(const std::vector<KnapsackItem>& items, Better better) {
  check_items(items);
  int64_t w = 0;
  for (const KnapsackItem& it : items) {
    int64_t m = it.choices[0].weight;
    for (const KnapsackChoice& c : it.choices) m = better(c.weight, m) ? c.weight : m;
    w += m;
  }
  return w;
}

}  // namespace

int64_t min_weight(const std::vector<KnapsackItem>& items) {
  return summed_weight(items, std::less<int64_t>());
}

int64_t max_weight(const std::vector<KnapsackItem>& items) {
  return summed_weight(items, std::greater<int64_t>());
}

}  // namespace hess
