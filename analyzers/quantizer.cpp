#include "analyzers/quantizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/field_error.h"

namespace hess {

namespace {

void check_bits(int bits) {
  if (bits < kMinBits || bits > kMaxBits) {
    throw FieldError("bits", "must be between " + std::to_string(kMinBits) + " and " +
                                 std::to_string(kMaxBits) + ", got " + std::to_string(bits));
  }
}

// One channel c of n entries: s_c and Ŵ_c.
double quantize_channel(const double* w, int64_t n, int bits, double* out) {
  if (bits == 1) {
    double mean_abs = 0.0;
    for (int64_t i = 0; i < n; ++i) mean_abs += std::abs(w[i]);
    const double s = n > 0 ? mean_abs / static_cast<double>(n) : 0.0;
    for (int64_t i = 0; i < n; ++i) out[i] = w[i] >= 0 ? s : -s;
    return s;
  }
  const double qmax = std::ldexp(1.0, bits - 1) - 1.0;  // 2^(b−1) − 1
  const double qmin = -std::ldexp(1.0, bits - 1);       // −2^(b−1)
  double wmax = 0.0;
  for (int64_t i = 0; i < n; ++i) wmax = std::max(wmax, std::abs(w[i]));
  const double s = wmax / qmax;
  if (s == 0.0) {
    std::fill(out, out + n, 0.0);
    return 0.0;
  }
  for (int64_t i = 0; i < n; ++i) {
    // std::nearbyint rounds half to even in the default rounding mode, as torch.round does.
    const double q = std::clamp(std::nearbyint(w[i] / s), qmin, qmax);
    out[i] = s * q;
  }
  return s;
}

}  // namespace

int64_t channel_count(const Shape& shape, Granularity granularity) {
  if (granularity == Granularity::Tensor || shape.empty()) return 1;
  return shape[0];
}

Quantized quantize_block(std::span<const double> w, const Shape& shape, int bits,
                         Granularity granularity) {
  check_bits(bits);
  const int64_t n = numel(shape);
  if (n != static_cast<int64_t>(w.size())) {
    throw std::invalid_argument("quantize: the block holds " + std::to_string(w.size()) +
                                " values, its shape " + to_string(shape) + " " + std::to_string(n));
  }
  const int64_t channels = channel_count(shape, granularity);
  const int64_t per = channels > 0 ? n / channels : 0;
  Quantized q;
  q.values.resize(w.size());
  q.scales.resize(channels);
  for (int64_t c = 0; c < channels; ++c) {
    q.scales[c] = quantize_channel(w.data() + c * per, per, bits, q.values.data() + c * per);
  }
  return q;
}

std::vector<double> quantize(std::span<const double> w, const Shape& shape, int bits,
                             Granularity granularity) {
  return quantize_block(w, shape, bits, granularity).values;
}

double squared_distance(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) throw std::invalid_argument("squared_distance: lengths differ");
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

}  // namespace hess
