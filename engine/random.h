#pragma once
// Seeded random numbers with a fixed algorithm, so a seed gives the same numbers on every platform
// and library version (std::normal_distribution does not promise that): SplitMix64 seeding a
// xoshiro256** generator; Gaussians by the Box-Muller transform. No global state: pass an Rng.
//
//   hess::Rng rng(42);
//   double u = rng.uniform();            // [0, 1)
//   double z = rng.normal();             // N(0, 1)
//   double r = rng.rademacher();         // ±1 with probability ½

#include <cstdint>
#include <vector>

namespace hess {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();          // [0, 1), 53 random bits
  double normal();           // standard normal
  double rademacher();       // ±1
  int64_t below(int64_t n);  // uniform integer in [0, n)
  // Derives an independent stream, e.g. one per probe or per thread.
  Rng split(uint64_t stream) const;

 private:
  uint64_t s_[4];
  uint64_t seed_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// The first `count` entries of a seeded random permutation of 0..n-1 (a seeded subset, in order
// of selection).
std::vector<int64_t> random_subset(int64_t n, int64_t count, uint64_t seed);

}  // namespace hess
