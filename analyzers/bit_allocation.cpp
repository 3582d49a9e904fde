#include "analyzers/bit_allocation.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "analyzers/checked_operator.h"
#include "analyzers/knapsack.h"
#include "analyzers/parameter_guard.h"
#include "analyzers/stopwatch.h"
#include "engine/curvature_operator.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/numerical_error.h"
#include "engine/shape.h"

namespace hess {

namespace {

// A budget given as a decimal (avg-bits=3.3, size=1e6) is compared with the integer weights after
// widening it by this relative amount, so 3.3 · N bits is not lost to the rounding of 3.3.
constexpr double kBudgetRelTol = 1e-12;

std::string number(double v) {
  return significant(v, 10);
}

// The study's g and θ, and the products that evaluate allocations.
struct Evaluator {
  const SensitivityResult& s;
  Objective& objective;
  const Graph& graph;
  std::vector<double> theta;
  Eigen::VectorXd gradient;
  double loss = 0.0;
  ObjectiveOperator H;
  CheckedOperator A;
  std::vector<int64_t> macs;
  int activation_bits;

  Evaluator(const SensitivityResult& sens, Objective& obj, int b_a)
      : s(sens),
        objective(obj),
        graph(obj.graph()),
        theta(obj.parameters()),
        gradient(obj.num_params()),
        H(obj, Curvature::Hessian),
        A(H),
        activation_bits(b_a) {
    std::vector<int> blocks;
    for (const BlockSensitivity& b : s.blocks) blocks.push_back(b.block);
    macs = block_macs(graph, blocks);
    loss = objective.gradient(gradient.data()).loss;
  }

  Allocation evaluate(const std::vector<int>& bits, SensitivityCriterion criterion, bool measure) {
    Allocation a;
    a.bits = bits;
    int64_t total = 0;
    double bops = 0.0;
    bool bops_known = true;
    for (size_t i = 0; i < s.blocks.size(); ++i) {
      const size_t w =
          static_cast<size_t>(std::find(s.bits.begin(), s.bits.end(), bits[i]) - s.bits.begin());
      a.weight_bits += s.blocks[i].params * bits[i];
      total += s.blocks[i].params;
      a.cost += allocation_cost(s, criterion, i, w);
      a.predicted_dloss += s.blocks[i].predicted_dloss[w];
      if (macs[i] < 0) bops_known = false;
      bops += static_cast<double>(macs[i]) * bits[i] * activation_bits;
    }
    a.size_bytes = static_cast<double>(a.weight_bits) / 8.0;
    a.average_bits = static_cast<double>(a.weight_bits) / static_cast<double>(total);
    if (bops_known) a.bops = bops;
    const std::vector<double> q = quantized_parameters(graph, theta, s, bits);
    Eigen::MatrixXd D(static_cast<Eigen::Index>(theta.size()), 1), HD;
    for (size_t t = 0; t < theta.size(); ++t) D(t, 0) = q[t] - theta[t];
    A.apply(D, HD);
    a.predicted_dloss_joint = gradient.dot(D.col(0)) + 0.5 * D.col(0).dot(HD.col(0));
    if (measure) {
      objective.set_parameters(q);
      const double l = objective.value().loss;
      objective.set_parameters(theta);
      a.measured_dloss = l - loss;
    }
    return a;
  }
};

// The weight of width bits[w] for the blocks of one unit, in the budget's kind.
int64_t unit_weight(const SensitivityResult& s, const std::vector<int>& unit, size_t w,
                    BudgetKind kind, const std::vector<int64_t>& macs, int activation_bits) {
  int64_t sum = 0;
  for (int i : unit) {
    sum += kind == BudgetKind::Bops ? macs[i] * s.bits[w] * activation_bits
                                    : s.blocks[i].params * s.bits[w];
  }
  return sum;
}

// The budget's value for a total weight (bits or bit operations).
double in_budget_units(int64_t weight, BudgetKind kind, int64_t total_params) {
  switch (kind) {
    case BudgetKind::AvgBits:
      return static_cast<double>(weight) / static_cast<double>(total_params);
    case BudgetKind::Size:
      return static_cast<double>(weight) / 8.0;
    case BudgetKind::Bops:
      return static_cast<double>(weight);
  }
  return 0.0;
}

// Throws the FieldError of a bops budget when a block's multiply-adds are unknown.
void require_macs(const std::vector<int64_t>& macs, const std::vector<std::string>& names) {
  for (size_t i = 0; i < macs.size(); ++i) {
    if (macs[i] < 0) {
      throw FieldError(
          "budget", ": bops needs the multiply-adds of every block's op, unknown for " + names[i] +
                        " (use avg-bits or size)");
    }
  }
}

// Throws the FieldError of a budget outside [lo, hi] (in its kind's units).
void require_in_range(const Budget& b, double lo, double hi) {
  const double tol = kBudgetRelTol * std::max(1.0, std::abs(b.value));
  if (b.value >= lo - tol && b.value <= hi + tol) return;
  const std::string unit = b.kind == BudgetKind::Size ? " bytes" : "";
  throw FieldError("budget", ": " + to_string(b) + " is outside the feasible range " +
                                 std::string(name_of(b.kind)) + "=" + number(lo) + ".." +
                                 number(hi) + unit +
                                 " (every block at its lowest width .. at its highest)");
}

// Makes a unit's costs non-increasing in width (its choices are by increasing width): each cost
// becomes the largest cost at that width or wider.
void monotone_envelope(KnapsackItem& item) {
  for (size_t w = item.choices.size(); w-- > 1;)
    item.choices[w - 1].cost = std::max(item.choices[w - 1].cost, item.choices[w].cost);
}

// Raises units to their next width while the capacity allows and the (monotone) cost does not
// grow, the raise that lowers the criterion as computed (`raw`) most first; ties go to the lower
// unit. The summed cost stays the optimum, and the budget is not left unused for nothing.
void spend_leftover(const std::vector<KnapsackItem>& items,
                    const std::vector<std::vector<double>>& raw, int64_t capacity,
                    KnapsackSolution& sol) {
  while (true) {
    int best = -1;
    double best_gain = -std::numeric_limits<double>::infinity();
    for (size_t u = 0; u < items.size(); ++u) {
      const size_t j = static_cast<size_t>(sol.choice[u]);
      if (j + 1 >= items[u].choices.size()) continue;
      const KnapsackChoice &now = items[u].choices[j], &next = items[u].choices[j + 1];
      if (sol.weight - now.weight + next.weight > capacity || next.cost > now.cost) continue;
      const double gain = raw[u][j] - raw[u][j + 1];
      if (gain > best_gain) {
        best_gain = gain;
        best = static_cast<int>(u);
      }
    }
    if (best < 0) return;
    const size_t j = static_cast<size_t>(sol.choice[best]);
    const KnapsackChoice &now = items[best].choices[j], &next = items[best].choices[j + 1];
    sol.weight += next.weight - now.weight;
    sol.cost += next.cost - now.cost;
    ++sol.choice[best];
  }
}

}  // namespace

double uniform_budget_value(const Graph& graph, const std::vector<int>& blocks, int bits,
                            BudgetKind kind, int activation_bits) {
  switch (kind) {
    case BudgetKind::AvgBits:
      return bits;
    case BudgetKind::Size: {
      int64_t params = 0;
      for (int b : blocks) params += graph.blocks.at(b).size();
      return static_cast<double>(params) * bits / 8.0;
    }
    case BudgetKind::Bops: {
      double bops = 0.0;  // shape inference over the graph: only for this kind
      for (int64_t m : block_macs(graph, blocks))
        bops += static_cast<double>(m) * bits * activation_bits;
      return bops;
    }
  }
  return bits;
}

void check_budget(const AllocationOptions& options, const Graph& graph,
                  const std::vector<int>& blocks, const std::vector<int>& bits) {
  options.validate();
  if (options.budget.empty() || blocks.empty() || bits.empty()) return;
  const Budget b = parse_budget(options.budget);
  if (b.kind == BudgetKind::Bops) {
    std::vector<std::string> names;
    for (int i : blocks) names.push_back(graph.blocks.at(i).name);
    require_macs(block_macs(graph, blocks), names);
  }
  const auto [lo, hi] = std::minmax_element(bits.begin(), bits.end());
  require_in_range(b, uniform_budget_value(graph, blocks, *lo, b.kind, options.activation_bits),
                   uniform_budget_value(graph, blocks, *hi, b.kind, options.activation_bits));
}

Budget parse_budget(std::string_view text) {
  const size_t eq = text.find('=');
  const std::string forms =
      "expected avg-bits=B, size=BYTES or bops=OPS, got '" + echoed(text) + "'";
  if (eq == std::string_view::npos) throw FieldError("budget", forms);
  Budget b;
  try {
    b.kind = parse_enum<BudgetKind>(text.substr(0, eq));
  } catch (const std::invalid_argument&) {
    throw FieldError("budget", forms);
  }
  const std::string value(text.substr(eq + 1));
  char* end = nullptr;
  b.value = value.empty() ? 0.0 : std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(b.value) || b.value <= 0) {
    throw FieldError("budget", ": the value of " + std::string(name_of(b.kind)) +
                                   " must be a positive number, got '" + echoed(value) + "'");
  }
  return b;
}

std::string to_string(const Budget& budget) {
  return std::string(name_of(budget.kind)) + "=" + number(budget.value);
}

void AllocationOptions::validate() const {
  if (!budget.empty()) parse_budget(budget);
  if (budget.empty() && pareto_points == 0)
    throw FieldError("budget", "is missing (or give {pareto_points})");
  if (pareto_points != 0 && pareto_points < 2) {
    throw FieldError("pareto_points",
                     "must be 0 (no sweep) or at least 2, got " + std::to_string(pareto_points));
  }
  if (activation_bits < kMinBits || activation_bits > kMaxBits) {
    throw FieldError("activation_bits", "must be between " + std::to_string(kMinBits) + " and " +
                                            std::to_string(kMaxBits));
  }
}

double allocation_cost(const SensitivityResult& s, SensitivityCriterion criterion, size_t i,
                       size_t w) {
  const BlockSensitivity& b = s.blocks.at(i);
  switch (criterion) {
    case SensitivityCriterion::Predicted:
      return b.predicted_dloss.at(w);
    case SensitivityCriterion::Measured:
      return b.measured_dloss.at(w);
    case SensitivityCriterion::Omega:
    case SensitivityCriterion::Trace:
      return b.omega.at(w);
    case SensitivityCriterion::Lambda:
      return b.lambda_max / static_cast<double>(b.params) * b.perturbation.at(w);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<int64_t> block_macs(const Graph& graph, const std::vector<int>& blocks) {
  const std::vector<Shape> shapes = infer_shapes(graph, 1);
  std::vector<int64_t> out;
  for (int b : blocks) {
    const Block& blk = graph.blocks.at(b);
    int64_t macs = -1;
    int readers = 0;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      const Node& node = graph.nodes[n];
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        const Node& in = graph.nodes[node.inputs[k]];
        if (in.op != OpKind::Param || in.block != b) continue;
        ++readers;
        const int64_t out_elems = numel(shapes[n]);
        switch (node.op) {
          case OpKind::Linear:
          case OpKind::Conv2d:
            // Each output element takes numel(W)/W.shape[0] multiply-adds (in, or Cin/g·kh·kw).
            if (k == 1 && !blk.shape.empty())
              macs = out_elems * (blk.size() / std::max<int64_t>(blk.shape[0], 1));
            break;
          case OpKind::MatMul:
            // Y = A B: each output element sums over the contracted axis.
            if (blk.shape.size() >= 2)
              macs = out_elems * (k == 0 ? blk.shape.back() : blk.shape[blk.shape.size() - 2]);
            break;
          case OpKind::Embedding:
            if (k == 1) macs = 0;  // a gather
            break;
          default:
            break;
        }
      }
    }
    out.push_back(readers == 1 ? macs : -1);
  }
  return out;
}

std::vector<double> quantized_parameters(const Graph& graph, const std::vector<double>& theta,
                                         const SensitivityResult& s, const std::vector<int>& bits) {
  if (bits.size() != s.blocks.size()) {
    throw std::invalid_argument("quantized_parameters: " + std::to_string(bits.size()) +
                                " widths for " + std::to_string(s.blocks.size()) + " blocks");
  }
  if (static_cast<int64_t>(theta.size()) != graph.num_params())
    throw std::invalid_argument("quantized_parameters: theta does not fit the graph");
  std::vector<double> out = theta;
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    const Block& blk = graph.blocks.at(s.blocks[i].block);
    const std::span<const double> w(theta.data() + blk.offset, blk.size());
    const std::vector<double> q = quantize(w, blk.shape, bits[i], s.granularity);
    std::copy(q.begin(), q.end(), out.begin() + blk.offset);
  }
  return out;
}

Allocation evaluate_allocation(const SensitivityResult& sensitivity, const std::vector<int>& bits,
                               Objective& objective, SensitivityCriterion criterion, bool measure,
                               int activation_bits) {
  if (bits.size() != sensitivity.blocks.size()) {
    throw std::invalid_argument("evaluate_allocation: " + std::to_string(bits.size()) +
                                " widths for " + std::to_string(sensitivity.blocks.size()) +
                                " blocks");
  }
  for (int b : bits) {
    if (std::find(sensitivity.bits.begin(), sensitivity.bits.end(), b) == sensitivity.bits.end())
      throw std::invalid_argument("evaluate_allocation: " + std::to_string(b) +
                                  " bits is not a width of the study");
  }
  ParameterGuard guard({&objective});
  Evaluator e(sensitivity, objective, activation_bits);
  return e.evaluate(bits, criterion, measure);
}

AllocationResult allocate(const AllocationOptions& options, const SensitivityResult& s,
                          Objective& objective) {
  options.validate();
  const Stopwatch clock;
  AllocationResult r;
  if (!options.budget.empty()) r.budget = parse_budget(options.budget);
  const BudgetKind kind = r.budget ? r.budget->kind : BudgetKind::Size;
  if (s.blocks.empty()) throw std::invalid_argument("allocate: the study has no block");

  // Widths each unit allows: those with a finite cost for all its blocks, the same for each.
  const size_t nw = s.bits.size();
  std::vector<std::vector<size_t>> allowed(s.units.size());
  for (size_t u = 0; u < s.units.size(); ++u) {
    std::vector<size_t> first;
    for (size_t m = 0; m < s.units[u].size(); ++m) {
      const int i = s.units[u][m];
      std::vector<size_t> widths;
      for (size_t w = 0; w < nw; ++w) {
        if (std::isfinite(allocation_cost(s, options.criterion, i, w))) widths.push_back(w);
      }
      if (widths.empty()) {
        throw FieldError("criterion", ": " + std::string(name_of(options.criterion)) +
                                          " has no finite value for block " + s.blocks[i].name +
                                          " (not computed, or not finite)");
      }
      if (m == 0) {
        first = widths;
      } else if (widths != first) {
        auto list = [&](const std::vector<size_t>& ws) {
          std::string t;
          for (size_t w : ws) t += (t.empty() ? "" : ",") + std::to_string(s.bits[w]);
          return t;
        };
        throw FieldError("ties", ": blocks " + s.blocks[s.units[u][0]].name + " and " +
                                     s.blocks[i].name + " are tied but allow different widths (" +
                                     list(first) + " and " + list(widths) + ")");
      }
    }
    allowed[u] = first;
  }

  ParameterGuard guard({&objective});
  std::vector<int64_t> macs;
  {
    std::vector<int> blocks;
    for (const BlockSensitivity& b : s.blocks) blocks.push_back(b.block);
    macs = block_macs(objective.graph(), blocks);
  }
  if (kind == BudgetKind::Bops) {
    std::vector<std::string> names;
    for (const BlockSensitivity& b : s.blocks) names.push_back(b.name);
    require_macs(macs, names);
  }
  int64_t total_params = 0;
  for (const BlockSensitivity& b : s.blocks) total_params += b.params;

  std::vector<KnapsackItem> items(s.units.size());
  std::vector<std::vector<double>> raw(s.units.size());  // the criterion as computed
  for (size_t u = 0; u < s.units.size(); ++u) {
    for (size_t w : allowed[u]) {
      double cost = 0.0;
      for (int i : s.units[u]) cost += allocation_cost(s, options.criterion, i, w);
      raw[u].push_back(cost);
      items[u].choices.push_back(
          {unit_weight(s, s.units[u], w, kind, macs, options.activation_bits), cost});
    }
    if (options.monotone) monotone_envelope(items[u]);
  }
  const int64_t wmin = min_weight(items), wmax = max_weight(items);
  r.feasible_min = in_budget_units(wmin, kind, total_params);
  r.feasible_max = in_budget_units(wmax, kind, total_params);
  auto bits_of = [&](const KnapsackSolution& sol) {
    std::vector<int> bits(s.blocks.size());
    for (size_t u = 0; u < s.units.size(); ++u) {
      for (int i : s.units[u]) bits[i] = s.bits[allowed[u][sol.choice[u]]];
    }
    return bits;
  };

  int64_t capacity = 0;
  if (r.budget) {
    const double v = r.budget->value;
    require_in_range(*r.budget, r.feasible_min, r.feasible_max);
    const double scale = kind == BudgetKind::AvgBits ? static_cast<double>(total_params)
                         : kind == BudgetKind::Size  ? 8.0
                                                     : 1.0;
    capacity =
        std::clamp(static_cast<int64_t>(std::floor(v * scale * (1.0 + kBudgetRelTol))), wmin, wmax);
  }

  const ObjectiveCounters before = objective.counters();
  std::optional<Evaluator> ev;
  auto finish = [&]() -> AllocationResult& {
    if (ev) r.hvps = ev->A.applications();
    r.passes = objective.counters().passes - before.passes;
    r.seconds = clock.seconds();
    return r;
  };
  try {
    ev.emplace(s, objective, options.activation_bits);
    if (r.budget) {
      KnapsackSolution sol = solve_knapsack(items, capacity);
      if (options.monotone) spend_leftover(items, raw, capacity, sol);
      r.allocation = ev->evaluate(bits_of(sol), options.criterion, options.measure);
    }
    if (options.pareto_points > 0) {
      const std::vector<KnapsackSolution> frontier = knapsack_frontier(items, wmax);
      int64_t last = -1;
      for (int j = 0; j < options.pareto_points; ++j) {
        const int64_t cap =
            wmin + static_cast<int64_t>(std::floor(static_cast<double>(wmax - wmin) * j /
                                                   (options.pareto_points - 1)));
        // The heaviest frontier entry within the capacity (the frontier is by increasing weight).
        int64_t at = -1;
        for (size_t f = 0; f < frontier.size() && frontier[f].weight <= cap; ++f) at = f;
        if (at < 0 || at == last) continue;
        last = at;
        r.pareto.push_back(ev->evaluate(bits_of(frontier[at]), options.criterion, options.measure));
      }
    }
  } catch (const NumericalError& e) {
    r.status = Status::NonFinite;
    r.message = e.what();
  }
  return finish();
}

}  // namespace hess
