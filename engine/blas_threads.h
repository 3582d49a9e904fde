#pragma once
// The thread count of OpenBLAS, which runs the engine's large products (Eigen is built with
// EIGEN_USE_BLAS). On a machine with few cores one level of parallelism at a time is fastest:
// batches in several threads with OpenBLAS single-threaded, or one batch thread with OpenBLAS on
// all cores (docs/algorithms.md, "Performance and threads"). Callers choose; the engine sets
// nothing itself.
//
//   hess::ThreadPlan plan = hess::plan_threads(2, batches);
//   hess::set_blas_threads(plan.blas_threads);   // before evaluating
//   options.threads = plan.batch_threads;        // ObjectiveOptions
//   int n = hess::blas_threads();                // what OpenBLAS will use

#include <cstdint>
#include <string>

namespace hess {

// Sets OpenBLAS's thread count (≥ 1; throws std::invalid_argument otherwise). Process-wide: it is
// OpenBLAS's own setting, so set it before starting evaluations, not during them.
void set_blas_threads(int threads);
// OpenBLAS's current thread count.
int blas_threads();
// One level of parallelism at a time over `cores` cores.
struct ThreadPlan {
  int batch_threads = 1;  // batches evaluated in parallel (ObjectiveOptions::threads)
  int blas_threads = 1;   // OpenBLAS threads inside each product
};
// Batches in `cores` threads with OpenBLAS single-threaded when there are at least as many batches
// as cores (the engine's own loops, im2col, activations and pooling, then run in parallel too);
// otherwise one batch thread with OpenBLAS on all cores. Throws std::invalid_argument for
// cores < 1 or batches < 1.
ThreadPlan plan_threads(int cores, int64_t batches);

// OpenBLAS's build description (version, kernel, threading model), for benchmark reports.
std::string blas_config();

}  // namespace hess
