#pragma once
// A data set in memory: N samples X (float32, N x sample_shape) with class labels or real targets.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/shape.h"

namespace hess {

struct Dataset {
  Shape sample_shape;           // one sample's shape
  std::vector<float> x;         // N * numel(sample_shape), sample-major
  std::vector<int64_t> labels;  // N class labels, or empty
  std::vector<float> targets;   // N * target_dim real targets, or empty
  int64_t target_dim = 0;

  int64_t size() const {
    const int64_t per = numel(sample_shape);
    return per > 0 ? static_cast<int64_t>(x.size()) / per : 0;
  }
  bool has_labels() const { return !labels.empty(); }
  // 1 + the largest label (0 without labels).
  int64_t num_classes() const;
};

}  // namespace hess
