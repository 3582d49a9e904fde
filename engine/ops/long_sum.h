#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/tensor.h"

namespace hess {

// Terms of a float sum added in one GEMM; longer sums are split into chunks of this many terms.
constexpr int64_t kLongSumChunk = 2048;

// dst (m×n) += A (m×K) · B (n×K)ᵀ for inner dimensions that run over a whole batch, such as a
// convolution's weight derivatives (K = B·OH·OW terms per entry). In float, K is cut into chunks of
// kLongSumChunk terms, each chunk's GEMM runs in float and the chunks are added in double, so the
// rounding error grows with the chunk rather than with the batch (one float rounding per entry at
// the end); in double, one GEMM. A, B and dst are row-major and contiguous.
template <class T>
void add_abt_long_sum(T* dst, const T* a, const T* b, int64_t m, int64_t n, int64_t K) {
  auto D = mat(dst, m, n);
  if (sizeof(T) >= sizeof(double) || K <= kLongSumChunk) {
    D.noalias() += mat(a, m, K) * mat(b, n, K).transpose();
    return;
  }
  RowMat<double> total = D.template cast<double>();
  RowMat<T> part(m, n);
  for (int64_t k0 = 0; k0 < K; k0 += kLongSumChunk) {
    const int64_t len = std::min(kLongSumChunk, K - k0);
    part.noalias() =
        mat(a, m, K).middleCols(k0, len) * mat(b, n, K).middleCols(k0, len).transpose();
    total += part.template cast<double>();
  }
  D = total.template cast<T>();
}

// Σ a[i]·b[i] (b null: Σ a[i]) over n terms that may run over a whole batch: vectorized float
// sums over chunks of kLongSumChunk terms, the chunks added in double (one GEMV-like pass per
// chunk, as add_abt_long_sum); in double, one pass.
template <class T>
double long_dot(const T* a, const T* b, int64_t n) {
  const int64_t chunk = sizeof(T) >= sizeof(double) ? n : kLongSumChunk;
  double total = 0;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    const ConstVecMap<T> x(a + i0, len);
    total += static_cast<double>(b ? x.dot(ConstVecMap<T>(b + i0, len)) : x.sum());
  }
  return total;
}

}  // namespace hess
