#include "analyzers/point_evaluator.h"

#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "analyzers/parameter_guard.h"
#include "engine/numerical_error.h"

namespace hess {

namespace {

PointRunStats evaluate_here(const std::vector<Objective*>& workers,
                            const std::vector<int64_t>& points, const PointFill& fill,
                            const PointDone& done, const std::atomic<bool>* cancel) {
  const int64_t P = workers[0]->num_params();
  for (Objective* w : workers) {
    if (w->num_params() != P) {
      throw std::invalid_argument("workers: objectives have different parameter counts");
    }
  }
  ParameterGuard guard(workers);
  std::vector<int64_t> passes_before;
  for (Objective* w : workers) passes_before.push_back(w->counters().passes);

  const int64_t n = static_cast<int64_t>(points.size());
  const int threads = static_cast<int>(std::min<int64_t>(static_cast<int64_t>(workers.size()), n));
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex report;
  PointRunStats stats;
  std::vector<std::exception_ptr> errors(workers.size());

  auto work = [&](int t) {
    try {
      Objective& obj = *workers[t];
      std::vector<double> theta(P);
      for (;;) {
        if (failed.load() || (cancel && cancel->load())) return;
        const int64_t k = next.fetch_add(1);
        if (k >= n) return;
        PointEvaluation e;
        e.point = points[k];
        fill(t, e.point, theta);
        obj.set_parameters(theta);
        std::string message;
        try {
          e.value = obj.value();
          e.finite = std::isfinite(e.value.loss);
        } catch (const NumericalError& err) {
          e.finite = false;
          message = err.what();
        }
        if (!e.finite) {
          e.value.loss = e.value.accuracy = std::numeric_limits<double>::quiet_NaN();
        }
        std::lock_guard<std::mutex> lock(report);
        ++stats.evaluated;
        if (!e.finite) {
          if (stats.non_finite++ == 0)
            stats.first_non_finite = message.empty() ? "loss is not finite" : message;
        }
        if (done) done(e);
      }
    } catch (...) {
      errors[t] = std::current_exception();
      failed.store(true);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  if (threads > 0) work(0);
  for (std::thread& th : pool) th.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  for (size_t t = 0; t < workers.size(); ++t)
    stats.passes += workers[t]->counters().passes - passes_before[t];
  stats.cancelled = stats.evaluated < n;
  return stats;
}

// The points divided among ranks: rank r evaluates points[r], points[r + R], ... and the ranks'
// values are added (each point's values come from one rank, the others add zeros: exact), so every
// rank reports every point, in the order of `points`.
PointRunStats evaluate_on_ranks(const std::vector<Objective*>& workers,
                                const std::vector<int64_t>& points, const PointFill& fill,
                                const PointDone& done, const std::atomic<bool>* cancel,
                                Reduction& ranks) {
  constexpr int kSlot = 3;  // loss, accuracy, 1 finite / 2 not finite (0: not evaluated)
  const size_t n = points.size();
  std::vector<int64_t> mine;
  std::unordered_map<int64_t, size_t> position;
  for (size_t k = static_cast<size_t>(ranks.rank()); k < n; k += ranks.size()) {
    mine.push_back(points[k]);
    position[points[k]] = k;
  }
  std::vector<double> packet(kSlot * n + 1, 0.0);
  PointRunStats here;
  std::exception_ptr error;
  try {
    here = evaluate_here(
        workers, mine, fill,
        [&](const PointEvaluation& e) {
          double* slot = packet.data() + kSlot * position.at(e.point);
          slot[0] = e.value.loss;
          slot[1] = e.value.accuracy;
          slot[2] = e.finite ? 1.0 : 2.0;
        },
        cancel);
  } catch (...) {
    error = std::current_exception();
  }
  packet[kSlot * n] = static_cast<double>(here.passes);
  ranks.sum(packet.data(), packet.size(), error);
  PointRunStats stats;
  stats.passes = static_cast<int64_t>(packet[kSlot * n]);
  for (size_t k = 0; k < n; ++k) {
    const double* slot = packet.data() + kSlot * k;
    if (slot[2] == 0.0) continue;
    PointEvaluation e;
    e.point = points[k];
    e.value.loss = slot[0];
    e.value.accuracy = slot[1];
    e.finite = slot[2] == 1.0;
    ++stats.evaluated;
    if (!e.finite && stats.non_finite++ == 0)
      stats.first_non_finite =
          here.first_non_finite.empty() ? "loss is not finite" : here.first_non_finite;
    if (done) done(e);
  }
  stats.cancelled = stats.evaluated < static_cast<int64_t>(n);
  return stats;
}

}  // namespace

PointRunStats evaluate_points(const std::vector<Objective*>& workers,
                              const std::vector<int64_t>& points, const PointFill& fill,
                              const PointDone& done, const std::atomic<bool>* cancel) {
  if (workers.empty()) throw std::invalid_argument("workers: at least one objective is needed");
  const std::shared_ptr<Reduction>& ranks = workers[0]->options().point_ranks;
  if (ranks && ranks->size() > 1)
    return evaluate_on_ranks(workers, points, fill, done, cancel, *ranks);
  return evaluate_here(workers, points, fill, done, cancel);
}

}  // namespace hess
