#pragma once
// The roughness index of Wu et al. (2021, "Roughness index for loss landscapes of neural network
// models of partial differential equations"): how much the loss oscillates around θ, seen along
// random directions.
//
// For M filter-normalized Gaussian directions d_i (analyzers/directions.h) and the grid
//
//   t_k = −l + k·2l/m,  k = 0..m          (computed as l(2k − m)/m, so t = 0 is exact for even m)
//
// the profiles f_i(t) = L(θ + t d_i) give the normalized total variations
//
//   TV_i = Σ_k |f_i(t_{k+1}) − f_i(t_k)| / ((t_m − t_0)(max_k f_i − min_k f_i))
//
// and RI = σ/μ with μ the mean of the TV_i and σ their sample standard deviation (ddof 1). A
// monotone profile has TV = 1/(2l) exactly, a symmetric bowl 1/l; a rough landscape varies more
// between directions, and RI measures that spread relative to the mean. A flat profile
// (max = min) has no defined TV: it is counted in `flat_profiles`, left out of μ and σ, and its TV
// reported as NaN. Defaults M = 100, m = 20, l = 0.1.
//
// Cost: M·m + 1 passes for an even m (θ itself once: it is every profile's centre t = 0), M·(m+1) +
// 1 for an odd m, evaluated in parallel over the worker objectives (analyzers/point_evaluator.h).
//
//   hess::RoughnessOptions o;              // M = 100, m = 20, l = 0.1, filter, seed 0
//   hess::RoughnessResult r = hess::run(o, workers);
//   r.ri, r.mu, r.sigma, r.tv, r.profile(i)

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/directions.h"
#include "analyzers/status.h"
#include "engine/objective.h"

namespace hess {

struct RoughnessOptions {
  int directions = 100;  // M
  int points = 20;       // m: intervals per profile (m + 1 values)
  double radius = 0.1;   // l
  Normalization normalization = Normalization::Filter;
  bool include_1d = false;
  uint64_t seed = 0;  // direction i is drawn from Rng(seed).split(i)
  // Throws std::invalid_argument naming the field: directions ≥ 2, points ≥ 2, radius > 0.
  void validate() const;
};

// The grid t_0..t_m.
std::vector<double> roughness_grid(int points, double radius);

// The normalized total variation of one profile f(t_0..t_m) on a grid from t0 to tm: NaN for a flat
// profile. Throws std::invalid_argument for fewer than 2 values or tm ≤ t0.
double normalized_total_variation(const std::vector<double>& f, double t0, double tm);

struct RoughnessIndex {
  double mu = 0.0;     // mean TV over the finite TVs
  double sigma = 0.0;  // sample standard deviation (ddof 1)
  double ri = 0.0;     // σ/μ
  int64_t used = 0;    // finite TVs
};
// μ, σ, RI of a list of TVs (NaN entries, from flat profiles, left out). Fewer than 2 finite TVs
// give NaN for σ and RI.
RoughnessIndex roughness_index(const std::vector<double>& tv);

struct RoughnessResult {
  std::vector<double> t;         // the grid, m + 1 values
  std::vector<double> profiles;  // M x (m + 1), row-major: profile i is f_i(t_0..t_m)
  std::vector<double> tv;        // M normalized total variations
  double mu = 0.0, sigma = 0.0, ri = 0.0;
  double loss = 0.0;  // L(θ)
  int64_t flat_profiles = 0;
  int64_t passes = 0;
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;
  const double* profile(int64_t i) const {
    return profiles.data() + i * static_cast<int64_t>(t.size());
  }
};

// θ is the first worker's parameters at the call; every worker's parameters are restored.
RoughnessResult run(const RoughnessOptions& options, const std::vector<Objective*>& workers);

}  // namespace hess
