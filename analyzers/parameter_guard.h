#pragma once
// Restores objectives' parameters when a scope ends, normally or by an exception: analyzers that
// move θ (landscapes, roughness, sharpness) never leave the user's model perturbed.
//
//   hess::ParameterGuard guard({&objective});
//   objective.set_parameters(theta_plus_delta);   // ... evaluate ...
//   // leaving the scope puts back the parameters the objective had at the guard's construction

#include <vector>

#include "engine/objective.h"

namespace hess {

class ParameterGuard {
 public:
  explicit ParameterGuard(std::vector<Objective*> objectives) : objectives_(std::move(objectives)) {
    saved_.reserve(objectives_.size());
    for (Objective* o : objectives_) saved_.push_back(o->parameters());
  }
  ParameterGuard(const ParameterGuard&) = delete;
  ParameterGuard& operator=(const ParameterGuard&) = delete;
  ~ParameterGuard() {
    // set_parameters only throws for a vector of the wrong length, which a saved copy never is.
    for (size_t i = 0; i < objectives_.size(); ++i) objectives_[i]->set_parameters(saved_[i]);
  }
  // The parameters objective i had when the guard was made.
  const std::vector<double>& saved(size_t i = 0) const { return saved_[i]; }

 private:
  std::vector<Objective*> objectives_;
  std::vector<std::vector<double>> saved_;
};

}  // namespace hess
