#include "analyzers/roughness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "analyzers/point_evaluator.h"
#include "analyzers/stopwatch.h"
#include "engine/field_error.h"

namespace hess {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void RoughnessOptions::validate() const {
  require_at_least("directions", directions, 2, "for a standard deviation");
  require_at_least("points", points, 2, "intervals");
  require_positive_finite("radius", radius);
}

std::vector<double> roughness_grid(int points, double radius) {
  std::vector<double> t(points + 1);
  for (int k = 0; k <= points; ++k) t[k] = radius * static_cast<double>(2 * k - points) / points;
  return t;
}

double normalized_total_variation(const std::vector<double>& f, double t0, double tm) {
  if (f.size() < 2) throw std::invalid_argument("profile: at least 2 values are needed");
  if (!(tm > t0)) throw std::invalid_argument("profile: the grid must increase (t_m > t_0)");
  double variation = 0.0;
  for (size_t k = 0; k + 1 < f.size(); ++k) variation += std::abs(f[k + 1] - f[k]);
  const auto [lo, hi] = std::minmax_element(f.begin(), f.end());
  const double range = *hi - *lo;
  if (!(range > 0)) return kNaN;
  return variation / ((tm - t0) * range);
}

RoughnessIndex roughness_index(const std::vector<double>& tv) {
  RoughnessIndex r;
  double sum = 0.0;
  for (double v : tv) {
    if (std::isfinite(v)) {
      sum += v;
      ++r.used;
    }
  }
  if (r.used == 0) return {kNaN, kNaN, kNaN, 0};
  r.mu = sum / static_cast<double>(r.used);
  if (r.used < 2) {
    r.sigma = r.ri = kNaN;
    return r;
  }
  double sq = 0.0;
  for (double v : tv) {
    if (std::isfinite(v)) sq += (v - r.mu) * (v - r.mu);
  }
  r.sigma = std::sqrt(sq / static_cast<double>(r.used - 1));
  r.ri = r.sigma / r.mu;
  return r;
}

RoughnessResult run(const RoughnessOptions& options, const std::vector<Objective*>& workers) {
  options.validate();
  if (workers.empty()) throw std::invalid_argument("workers: at least one objective is needed");
  const Stopwatch clock;
  const Graph& graph = workers[0]->graph();
  const std::vector<double> theta = workers[0]->parameters();
  const int M = options.directions, m = options.points, values = m + 1;
  const bool shared_centre = m % 2 == 0;

  RoughnessResult r;
  r.t = roughness_grid(m, options.radius);
  r.profiles.assign(static_cast<size_t>(M) * values, kNaN);

  // Point ids: i·(m + 1) + k for profile i at t_k, and M·(m + 1) for θ itself, evaluated once; with
  // an even m it is every profile's centre k = m/2.
  const int64_t centre_id = static_cast<int64_t>(M) * values;
  std::vector<int64_t> points{centre_id};
  for (int i = 0; i < M; ++i) {
    for (int k = 0; k < values; ++k) {
      if (!(shared_centre && 2 * k == m)) points.push_back(static_cast<int64_t>(i) * values + k);
    }
  }
  // Each worker keeps the direction it used last: points come in profile order, so a worker
  // regenerates a direction only when it moves on to another profile.
  const Rng base(options.seed);
  struct Cache {
    int index = -1;
    std::vector<double> d;
  };
  std::vector<Cache> cache(workers.size());
  auto fill = [&](int worker, int64_t id, std::vector<double>& t) {
    if (id == centre_id) {
      t = theta;
      return;
    }
    const int i = static_cast<int>(id / values);
    const double step = r.t[id % values];
    Cache& c = cache[worker];
    if (c.index != i) {
      c.d =
          random_direction(graph, theta, options.normalization, options.include_1d, base.split(i));
      c.index = i;
    }
    for (size_t p = 0; p < t.size(); ++p) t[p] = theta[p] + step * c.d[p];
  };
  double centre = kNaN;
  auto done = [&](const PointEvaluation& e) {
    if (e.point == centre_id) {
      centre = e.value.loss;
    } else {
      r.profiles[e.point] = e.value.loss;
    }
  };
  const PointRunStats st = evaluate_points(workers, points, fill, done);
  r.loss = centre;
  if (shared_centre) {
    for (int i = 0; i < M; ++i) r.profiles[static_cast<size_t>(i) * values + m / 2] = centre;
  }

  r.tv.resize(M);
  for (int i = 0; i < M; ++i) {
    const std::vector<double> f(r.profile(i), r.profile(i) + values);
    const bool finite = std::all_of(f.begin(), f.end(), [](double v) { return std::isfinite(v); });
    r.tv[i] = finite ? normalized_total_variation(f, r.t.front(), r.t.back()) : kNaN;
    if (finite && std::isnan(r.tv[i])) ++r.flat_profiles;
  }
  const RoughnessIndex ri = roughness_index(r.tv);
  r.mu = ri.mu;
  r.sigma = ri.sigma;
  r.ri = ri.ri;
  r.passes = st.passes;
  if (st.non_finite > 0) {
    r.status = Status::NonFinite;
    r.message = std::to_string(st.non_finite) + " profile point(s) with a non-finite loss, their " +
                "profiles left out; first: " + st.first_non_finite;
  } else if (!std::isfinite(r.ri)) {
    r.status = Status::NonFinite;
    r.message = std::to_string(r.flat_profiles) + " of " + std::to_string(M) +
                " profiles are flat (do the directions move any parameter?): RI is undefined";
  }
  r.seconds = clock.seconds();
  return r;
}

}  // namespace hess
