#include "engine/optimizer.h"
#include "engine/field_error.h"
#include "engine/number_format.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace hess {

namespace {

// The buffers each kind keeps, by PyTorch's names.
std::vector<std::string> buffer_names(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov:
      return {"momentum_buffer"};
    case OptimizerKind::Adam:
      return {"exp_avg", "exp_avg_sq"};
    default:
      return {};
  }
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

bool is_unit_rate(double b) {
  return std::isfinite(b) && b >= 0.0 && b < 1.0;
}

}  // namespace

void OptimizerOptions::validate() const {
  if (!(std::isfinite(lr) && lr > 0.0))
    throw FieldError("lr",
                     "(learning rate) must be positive and finite (got " + shortest(lr) + ")");
  if (!is_unit_rate(momentum))
    throw FieldError("momentum", "must be in [0, 1) (got " + shortest(momentum) + ")");
  if (!is_unit_rate(beta1))
    throw FieldError("beta1", "must be in [0, 1) (got " + shortest(beta1) + ")");
  if (!is_unit_rate(beta2))
    throw FieldError("beta2", "must be in [0, 1) (got " + shortest(beta2) + ")");
  require_positive_finite("epsilon", epsilon);
}

Optimizer::Optimizer(const OptimizerOptions& options, int64_t num_params)
    : opt_(options), P_(num_params) {
  opt_.validate();
  require(P_ > 0, "an optimizer needs at least one parameter");
  for (const std::string& name : buffer_names(opt_.kind))
    state_.buffers.emplace_back(name, std::vector<double>(P_, 0.0));
}

void Optimizer::step(double* theta, const double* g) {
  const double lr = opt_.lr;
  switch (opt_.kind) {
    case OptimizerKind::GD:
    case OptimizerKind::SGD:
      // θ ← θ − η g
      for (int64_t i = 0; i < P_; ++i) theta[i] -= lr * g[i];
      break;
    case OptimizerKind::Momentum: {
      // b ← β b + g; θ ← θ − η b
      std::vector<double>& b = buffer(0);
      const double beta = opt_.momentum;
      for (int64_t i = 0; i < P_; ++i) {
        b[i] = beta * b[i] + g[i];
        theta[i] -= lr * b[i];
      }
      break;
    }
    case OptimizerKind::Nesterov: {
      // b ← β b + g; θ ← θ − η (g + β b)
      std::vector<double>& b = buffer(0);
      const double beta = opt_.momentum;
      for (int64_t i = 0; i < P_; ++i) {
        b[i] = beta * b[i] + g[i];
        theta[i] -= lr * (g[i] + beta * b[i]);
      }
      break;
    }
    case OptimizerKind::Adam: {
      // m ← β₁ m + (1 − β₁) g; v ← β₂ v + (1 − β₂) g²; θ ← θ − η m̂ / (√v̂ + ε)
      std::vector<double>& m = buffer(0);
      std::vector<double>& v = buffer(1);
      const double b1 = opt_.beta1, b2 = opt_.beta2;
      const double t = static_cast<double>(state_.step + 1);
      const double c1 = 1.0 - std::pow(b1, t), c2 = 1.0 - std::pow(b2, t);
      for (int64_t i = 0; i < P_; ++i) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        theta[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + opt_.epsilon);
      }
      break;
    }
  }
  ++state_.step;
}

void Optimizer::restore(const OptimizerState& s) {
  const std::vector<std::string> names = buffer_names(opt_.kind);
  const std::string kind(name_of(opt_.kind));
  require(s.step >= 0, "optimizer state: negative step count");
  require(s.buffers.size() == names.size(), "optimizer state holds " +
                                                std::to_string(s.buffers.size()) + " buffers, " +
                                                kind + " keeps " + std::to_string(names.size()));
  for (size_t i = 0; i < names.size(); ++i) {
    require(s.buffers[i].first == names[i], "optimizer state: buffer '" + s.buffers[i].first +
                                                "' where " + kind + " keeps '" + names[i] + "'");
    require(static_cast<int64_t>(s.buffers[i].second.size()) == P_,
            "optimizer state: buffer '" + names[i] + "' has " +
                std::to_string(s.buffers[i].second.size()) + " entries, the model " +
                std::to_string(P_));
  }
  state_ = s;
}

}  // namespace hess
