#pragma once
// Mixed-precision bit allocation from a sensitivity study (analyzers/sensitivity.h): one width per
// block (the blocks of a tie group share one) minimizing the summed criterion under a budget,
// exactly, by the multiple-choice knapsack of analyzers/knapsack.h.
//
// Budgets ("KIND=VALUE"):
//   avg-bits=B   Σ n_i b_i ≤ B Σ n_i            (B bits per quantized parameter on average)
//   size=BYTES   Σ n_i b_i / 8 ≤ BYTES          (the quantized weights; the full-precision biases,
//                                               norms and scales add a constant)
//   bops=OPS     Σ MACs_i b_i b_a ≤ OPS         (bit operations per sample, HAWQ-V3; MACs_i the
//                                               multiply-adds of the op reading block i, b_a =
//                                               activation_bits, 32 as activations stay float)
// A budget outside [all blocks at their lowest width, all at their highest] is refused naming the
// feasible range.
//
// Costs summed (criterion), made non-increasing in width with `monotone`: predicted (gᵢᵀΔW +
// ½ΔWᵀH_iiΔW), measured, omega and trace (both HAWQ-V2's Ω = tr(H_ii)/n_i ‖ΔW‖²), lambda (HAWQ-V1's
// λmax(H_ii)/n_i ‖ΔW‖²).
//
// For the chosen allocation: bits per block, size, the summed per-block prediction, the *joint*
// second-order prediction gᵀΔ + ½ΔᵀHΔ with Δ the change of all quantized blocks at once (one
// product with the full Hessian: it holds the cross-block terms HAWQ leaves out) and the measured
// loss change L(θ + Δ) − L(θ).
//
//   hess::AllocationOptions a;
//   a.budget = "avg-bits=4";
//   hess::AllocationResult r = hess::allocate(a, sensitivity, objective);
//   r.allocation->bits, r.allocation->predicted_dloss_joint, r.allocation->measured_dloss
//   std::vector<double> q = hess::quantized_parameters(objective.graph(), theta, sensitivity,
//                                                      r.allocation->bits);   // --write-quantized

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/sensitivity.h"
#include "analyzers/status.h"
#include "engine/enum_names.h"
#include "engine/graph.h"
#include "engine/objective.h"

namespace hess {

enum class BudgetKind : uint8_t { AvgBits, Size, Bops };
template <>
struct EnumNames<BudgetKind> {
  static constexpr std::string_view what = "budget";
  static constexpr std::string_view names[] = {"avg-bits", "size", "bops"};
};

struct Budget {
  BudgetKind kind = BudgetKind::AvgBits;
  double value = 0.0;
};

// Parses "avg-bits=B", "size=BYTES" or "bops=OPS" (a positive finite number). Throws FieldError
// naming `budget`.
Budget parse_budget(std::string_view text);
// "avg-bits=4".
std::string to_string(const Budget& budget);

struct AllocationOptions {
  std::string budget;  // "avg-bits=B", "size=BYTES", "bops=OPS"; may be empty with pareto_points
  SensitivityCriterion criterion = SensitivityCriterion::Predicted;  // the cost summed
  int activation_bits = 32;                                          // b_a of the bops budget
  int pareto_points = 0;  // 0: no sweep; else ≥ 2 budgets evenly spaced from all-lowest to
                          // all-highest (in the budget's kind; size without a budget)
  bool measure = true;    // measure the loss change of each allocation
  // Costs made non-increasing in width (a coarser width never costs less than a finer one) and
  // budget left by the optimum spent on raises that cost nothing. Without it the knapsack takes
  // a coarser width wherever the criterion, away from a minimum, predicts a loss decrease: the sign
  // of a first-order term that errors beyond second order often flip.
  bool monotone = true;
  // Throws FieldError naming the bad field.
  void validate() const;
};

// One allocation and what it does.
struct Allocation {
  std::vector<int> bits;      // per block of the SensitivityResult (positions)
  int64_t weight_bits = 0;    // Σ n_i b_i
  double size_bytes = 0.0;    // Σ n_i b_i / 8
  double average_bits = 0.0;  // Σ n_i b_i / Σ n_i
  double bops = std::numeric_limits<double>::quiet_NaN();  // NaN when an op's MACs are unknown
  double cost = 0.0;                                       // summed criterion
  double predicted_dloss = 0.0;                            // Σ_i predicted_dloss_i(b_i)
  double predicted_dloss_joint = std::numeric_limits<double>::quiet_NaN();  // gᵀΔ + ½ΔᵀHΔ
  double measured_dloss = std::numeric_limits<double>::quiet_NaN();         // L(θ + Δ) − L(θ)
};

struct AllocationResult {
  std::optional<Budget> budget;
  double feasible_min = 0.0;  // the budget's kind at all-lowest widths
  double feasible_max = 0.0;  // and at all-highest
  std::optional<Allocation> allocation;
  std::vector<Allocation> pareto;  // by increasing size, distinct allocations
  int64_t hvps = 0;
  int64_t passes = 0;
  double seconds = 0.0;
  Status status = Status::Ok;  // NonFinite when a pass met NaN or Inf
  std::string message;
};

// The cost of giving block position i the width bits[w] under `criterion`.
double allocation_cost(const SensitivityResult& s, SensitivityCriterion criterion, size_t i,
                       size_t w);

// The multiply-adds per sample of the op reading each block (linear, conv, matmul; 0 for an
// embedding's gather), or −1 when unknown.
std::vector<int64_t> block_macs(const Graph& graph, const std::vector<int>& blocks);

// The budget's value (in `kind`'s units) with every block of `blocks` (indices into graph.blocks)
// at `bits` bits: the ends of the feasible range, and what a uniform allocation costs.
double uniform_budget_value(const Graph& graph, const std::vector<int>& blocks, int bits,
                            BudgetKind kind, int activation_bits);

// The checks allocate() makes of the budget against the blocks alone (bops with unknown
// multiply-adds; a value outside [all blocks at min(bits), all at max(bits)]), so that a command
// refuses a budget before the study. Throws FieldError naming the bad field.
void check_budget(const AllocationOptions& options, const Graph& graph,
                  const std::vector<int>& blocks, const std::vector<int>& bits);

// Chooses the allocation at the objective's current θ (the θ of the study) and evaluates it.
// Throws FieldError for bad options, a budget outside the feasible range (naming it), a criterion
// the study did not compute, tie groups whose blocks allow different widths, or a bops budget
// with unknown MACs.
AllocationResult allocate(const AllocationOptions& options, const SensitivityResult& sensitivity,
                          Objective& objective);

// Evaluates given widths (per block position, each among sensitivity.bits): sizes, summed
// prediction, joint prediction (one gradient pass and one product) and, with `measure`, the loss
// change. θ is the objective's current parameters, restored on return.
Allocation evaluate_allocation(const SensitivityResult& sensitivity, const std::vector<int>& bits,
                               Objective& objective,
                               SensitivityCriterion criterion = SensitivityCriterion::Predicted,
                               bool measure = true, int activation_bits = 32);

// θ with each studied block replaced by its quantized value Ŵ at its width (the fake-quantized
// model: dequantized weights). Throws std::invalid_argument when `bits` does not fit.
std::vector<double> quantized_parameters(const Graph& graph, const std::vector<double>& theta,
                                         const SensitivityResult& sensitivity,
                                         const std::vector<int>& bits);

}  // namespace hess
