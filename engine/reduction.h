#pragma once
// How an objective split over several processes (ranks) adds its parts' sums.
//
// A data-parallel objective (engine/objective.h) evaluates only its own contiguous shard of the
// analysis set and hands its partial sums (loss, correct count, gradient, curvature columns) to a
// Reduction, which adds the parts of all ranks in a fixed rank order and returns the same total on
// every rank, bit for bit: so analyzers running the same code on every rank (same seeds, same
// probes, same Lanczos vectors) stay in step. The engine knows nothing of the transport; dist/
// implements this over MPI.
//
//   class Sum : public hess::Reduction { ... };
//   hess::ObjectiveOptions o;
//   o.reduction = std::make_shared<Sum>();     // each rank: shard rank() of size() shards

#include <cstddef>
#include <cstdint>
#include <exception>

namespace hess {

class Reduction {
 public:
  virtual ~Reduction() = default;
  // This process' part (0-based) and the number of parts.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Replaces values[0..n) by their sum over all parts, added in part order; every part gets the
  // same bits. Every part must call it with the same n. `local_error`, when set, is this part's
  // failure (its values are ignored): then no part returns normally, each throws (the failing part
  // its own error, the others an error naming it), so no part waits for another that gave up.
  virtual void sum(double* values, size_t n, std::exception_ptr local_error) = 0;
};

// Shard `part` of `parts` of n items: [first, last), contiguous, sizes differing by at most one.
struct Shard {
  int64_t first = 0, last = 0;
};
inline Shard shard_of(int64_t n, int part, int parts) {
  return {n * part / parts, n * (part + 1) / parts};
}

}  // namespace hess
