#pragma once
// Objectives that report their passes over the analysis set to an Observer as they happen:
// progress for analyzers that work on objectives (sharpness, roughness, landscapes), without
// changing them. Several objectives (one per worker thread) may share one PassCounter.
//
//   hess::runs::PassCounter passes(observer, expected_passes);   // 0: unknown
//   hess::runs::ObservedObjective L(ws.objective(), passes);
//   hess::SharpnessResult r = hess::run(options, L);

#include <mutex>
#include <vector>

#include "engine/objective.h"
#include "runs/observer.h"

namespace hess::runs {

class PassCounter {
 public:
  PassCounter(Observer& observer, int64_t expected) : observer_(observer), expected_(expected) {}
  // Thread-safe.
  void add(int64_t passes) {
    const std::lock_guard<std::mutex> lock(mutex_);
    done_ += passes;
    observer_.progress(done_, expected_ > done_ ? expected_ : 0, "passes");
  }

 private:
  Observer& observer_;
  int64_t expected_;
  int64_t done_ = 0;
  std::mutex mutex_;
};

class ObservedObjective final : public Objective {
 public:
  ObservedObjective(Objective& base, PassCounter& counter) : base_(base), counter_(counter) {
    counters_ = base.counters();
  }
  const Graph& graph() const override { return base_.graph(); }
  int64_t num_params() const override { return base_.num_params(); }
  int64_t num_samples() const override { return base_.num_samples(); }
  Precision precision() const override { return base_.precision(); }
  const ObjectiveOptions& options() const override { return base_.options(); }
  int64_t compute_batch_size() const override { return base_.compute_batch_size(); }
  void set_parameters(const std::vector<double>& theta) override { base_.set_parameters(theta); }
  const std::vector<double>& parameters() const override { return base_.parameters(); }
  void set_rows(std::vector<int64_t> rows) override { base_.set_rows(std::move(rows)); }
  KeptBatches kept() const override { return base_.kept(); }
  Evaluation evaluate(const EvalRequest& req, const EvalOutput& out) override {
    const Evaluation e = base_.evaluate(req, out);
    const int64_t before = counters_.passes;
    counters_ = base_.counters();
    counter_.add(counters_.passes - before);
    return e;
  }

 private:
  Objective& base_;
  PassCounter& counter_;
};

// Point workers (Workspace::point_objectives) wrapped so that their passes count in `counter`:
// `pointers` is what analyzers over several objectives take.
struct ObservedWorkers {
  std::vector<std::unique_ptr<Objective>> owned;
  std::vector<std::unique_ptr<ObservedObjective>> observed;
  std::vector<Objective*> pointers;

  ObservedWorkers(std::vector<std::unique_ptr<Objective>> workers, PassCounter& counter)
      : owned(std::move(workers)) {
    for (auto& w : owned) {
      observed.push_back(std::make_unique<ObservedObjective>(*w, counter));
      pointers.push_back(observed.back().get());
    }
  }
};

}  // namespace hess::runs
