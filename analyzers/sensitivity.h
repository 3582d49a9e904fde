#pragma once
// HAWQ-style layer sensitivity: for each quantizable parameter block i (analyzers/quant_blocks.h)
// and each width b of `bits`, what quantizing that block alone (analyzers/quantizer.h) does to the
// loss, by the criteria of the HAWQ papers and by exact second-order prediction and measurement.
//
//   lambda_max        λmax(H_ii) of the block's diagonal Hessian block (HAWQ-V1 ranks by λ/n_i), by
//                     Lanczos on the restricted operator (analyzers/eigen.h);
//   trace             tr(H_ii) by Hutchinson on the restricted operator (analyzers/trace.h), with
//   its
//                     standard error (HAWQ-V2 ranks by tr/n_i);
//   perturbation      ‖ΔW‖², ΔW = Ŵ(b) − W;
//   omega             Ω = tr(H_ii)/n_i · ‖ΔW‖² (HAWQ-V2);
//   predicted_dloss   gᵢᵀΔW + ½ ΔWᵀ H_ii ΔW: the exact second-order Taylor prediction of quantizing
//                     block i alone (one Hessian-vector product with ΔW embedded in θ's space:
//                     ΔWᵀ H_ii ΔW = ΔᵀHΔ for Δ zero outside the block);
//   measured_dloss    L(θ with block i quantized) − L(θ), one loss pass.
// Blocks of at most kDenseSpectrumBlock parameters get λmax and tr(H_ii) exactly, from the dense
// block (n_i products; standard error 0).
//
// The ranking orders the blocks most sensitive first by `rank_by`: lambda by λmax/n_i, trace by
// tr/n_i, omega, predicted and measured by their value at width `rank_bits` (the smallest width
// by default).
//
// The objective's θ is restored when run() returns. The work is one gradient pass, one product per
// (block, width) (`columns` at a time), the Lanczos and Hutchinson products of each block, and one
// loss pass per (block, width).
//
//   hess::SensitivityOptions o;             // bits {2, 3, 4, 8}, per channel
//   o.ties = {"layer1.0.*"};
//   hess::SensitivityResult s = hess::run(o, objective);
//   s.blocks[s.ranking[0]].name, s.blocks[i].predicted_dloss[w] (w indexes s.bits)

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/quantizer.h"
#include "analyzers/status.h"
#include "engine/enum_names.h"
#include "engine/objective.h"

namespace hess {

// What ranks the blocks (and what the bit allocation sums, analyzers/bit_allocation.h).
enum class SensitivityCriterion : uint8_t { Omega, Trace, Lambda, Predicted, Measured };
template <>
struct EnumNames<SensitivityCriterion> {
  static constexpr std::string_view what = "sensitivity criterion";
  static constexpr std::string_view names[] = {"omega", "trace", "lambda", "predicted", "measured"};
};

// Blocks this small get their λmax and trace from the dense block instead of Lanczos/Hutchinson.
constexpr int64_t kDenseSpectrumBlock = 16;

struct SensitivityOptions {
  std::vector<int> bits = {2, 3, 4, 8};  // widths, each in 1..32, distinct
  Granularity granularity = Granularity::Channel;
  std::vector<std::string> layers;  // block globs; empty: every quantizable block
  std::vector<std::string> ties;    // globs, each one tie group
  bool all_roles = false;           // let `layers` pick biases and norms too
  bool lambda = true;               // compute λmax(H_ii)
  bool trace = true;                // compute tr(H_ii)
  bool measure = true;              // compute measured_dloss
  int trace_min_probes = 30;        // Hutchinson: no stop before this many probes
  int trace_probes = 500;           // Hutchinson: probe budget per block
  double trace_rtol = 5e-2;  // stop when stderr ≤ rtol·|tr(H_ii)| (enough to rank); 0: all probes
  int lambda_iterations = 1000;  // Lanczos restarts per block
  double lambda_tol = 1e-8;      // Lanczos relative residual tolerance
  int columns = 16;              // directions per Hessian product pass
  uint64_t seed = 0;             // Lanczos start vectors and Hutchinson probes
  SensitivityCriterion rank_by = SensitivityCriterion::Predicted;
  int rank_bits = 0;  // the width whose values rank per-width criteria; 0: the smallest of bits

  // Throws FieldError naming the bad field (bits outside 1..32 or repeated, a rank_by whose values
  // are switched off, rank_bits not among bits, ...).
  void validate() const;
};

struct BlockSensitivity {
  std::string name;
  int block = -1;      // index into graph.blocks
  int64_t params = 0;  // n_i
  int unit = -1;       // allocation unit (tie group) index into SensitivityResult::units
  double lambda_max = std::numeric_limits<double>::quiet_NaN();
  double lambda_residual = std::numeric_limits<double>::quiet_NaN();  // ‖H_ii u − λu‖
  double trace = std::numeric_limits<double>::quiet_NaN();
  double trace_stderr = std::numeric_limits<double>::quiet_NaN();
  int64_t trace_probes = 0;  // Hutchinson probes drawn (0 for the dense path)
  // Aligned with SensitivityResult::bits.
  std::vector<double> perturbation;     // ‖ΔW‖²
  std::vector<double> omega;            // tr(H_ii)/n_i · ‖ΔW‖² (NaN without the trace)
  std::vector<double> predicted_dloss;  // gᵢᵀΔW + ½ ΔWᵀH_iiΔW
  std::vector<double> gradient_dloss;   // its first-order part gᵢᵀΔW
  std::vector<double> measured_dloss;   // L(quantized) − L (NaN unless measured)
};

struct SensitivityResult {
  std::vector<int> bits;  // ascending
  Granularity granularity = Granularity::Channel;
  std::vector<BlockSensitivity> blocks;  // in block order
  std::vector<std::vector<int>> units;   // tie groups and single blocks: positions into blocks
  SensitivityCriterion rank_by = SensitivityCriterion::Predicted;
  int rank_bits = 0;
  std::vector<int> ranking;  // positions into blocks, most sensitive first (NaN values last)
  double loss = 0.0;         // L(θ)
  double gradient_norm = 0.0;
  int64_t hvps = 0;    // Hessian-vector products (one per column)
  int64_t passes = 0;  // passes over the analysis set
  double seconds = 0.0;
  // NotConverged when a Lanczos or Hutchinson run stopped at its budget (its values are reported),
  // NonFinite when a pass met NaN or Inf (those values stay NaN).
  Status status = Status::Ok;
  std::string message;
};

// Throws FieldError for bad options or a selection that matches no quantizable block.
SensitivityResult run(const SensitivityOptions& options, Objective& objective);

// The value of `criterion` for block position i, width index w (lambda and trace per parameter,
// independent of w): what ranks the blocks and what an allocation sums.
double criterion_value(const SensitivityResult& r, SensitivityCriterion criterion, size_t i,
                       size_t w);

// Spearman's rank correlation of two equally long series (average ranks for ties; NaN pairs
// dropped; NaN when fewer than two pairs remain or a series is constant).
double spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace hess
