#pragma once
// The symmetric uniform quantizer of HAWQ (Dong et al. 2019, 2020; Yao et al. 2021), applied to one
// parameter block W at b bits:
//
//   s_c = max|W_c| / (2^(b−1) − 1),   q = clamp(round(W / s_c), −2^(b−1), 2^(b−1) − 1),   Ŵ = s_c q
//
// per output channel (c runs over slices along dim 0: rows of a linear weight, filters of a conv,
// token rows of an embedding) or per tensor (one c for the whole block). `round` is rounding half
// to even (torch.round, which HAWQ's quantizer calls). A channel whose entries are all zero has s_c
// = 0 and quantizes to Ŵ_c = 0 (no division by zero). At b = 1 the formula has no positive level
// (2^0 − 1 = 0); one bit is then the sign quantizer q = ±1 (q = +1 for W ≥ 0) with the scale that
// minimizes ‖W_c − s_c q‖², s_c = mean|W_c| (XNOR-Net, Rastegari et al. 2016).
//
//   std::vector<double> w_hat = hess::quantize(w, block.shape, 4, hess::Granularity::Channel);
//   double perturbation = hess::squared_distance(w_hat, w);   // ‖ΔW‖²

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/enum_names.h"
#include "engine/shape.h"

namespace hess {

enum class Granularity : uint8_t { Channel, Tensor };
template <>
struct EnumNames<Granularity> {
  static constexpr std::string_view what = "granularity";
  static constexpr std::string_view names[] = {"channel", "tensor"};
};

// Widths the quantizer accepts: 1..32 bits.
constexpr int kMinBits = 1;
constexpr int kMaxBits = 32;

// The quantized block Ŵ and its scales (one per channel, or one per tensor).
struct Quantized {
  std::vector<double> values;  // Ŵ, same layout as W
  std::vector<double> scales;  // s_c
};

// Quantizes the block `w` of shape `shape` (numel(shape) == w.size(); a scalar block is one
// channel). Throws std::invalid_argument for bits outside 1..32 or a size that does not match.
Quantized quantize_block(std::span<const double> w, const Shape& shape, int bits,
                         Granularity granularity);
// Ŵ alone.
std::vector<double> quantize(std::span<const double> w, const Shape& shape, int bits,
                             Granularity granularity);

// Number of channels the quantizer uses for `shape`: shape[0] per channel (1 for a scalar), 1 per
// tensor.
int64_t channel_count(const Shape& shape, Granularity granularity);

// ‖a − b‖².
double squared_distance(std::span<const double> a, std::span<const double> b);

}  // namespace hess
