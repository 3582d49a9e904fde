#pragma once
// A data set in memory: N samples X (float32, N x sample_shape) with class labels or real targets.
// The samples are held in `x`, or read in place from memory someone else holds (`borrowed`: the
// Python module's numpy arrays); readers go through values() and num_values().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/shape.h"

namespace hess {

// Sample values held elsewhere, kept alive by `owner` while the data set lives.
struct BorrowedValues {
  const float* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> owner;
};

struct Dataset {
  Shape sample_shape;           // one sample's shape
  std::vector<float> x;         // N * numel(sample_shape), sample-major; empty when borrowed
  BorrowedValues borrowed;      // or the same, held elsewhere
  std::vector<int64_t> labels;  // N class labels, or empty
  std::vector<float> targets;   // N * target_dim real targets, or empty
  int64_t target_dim = 0;

  // The samples, wherever they are held.
  const float* values() const { return borrowed.data ? borrowed.data : x.data(); }
  size_t num_values() const { return borrowed.data ? borrowed.size : x.size(); }
  int64_t size() const {
    const int64_t per = numel(sample_shape);
    return per > 0 ? static_cast<int64_t>(num_values()) / per : 0;
  }
  bool has_labels() const { return !labels.empty(); }
  // 1 + the largest label (0 without labels).
  int64_t num_classes() const;
};

}  // namespace hess
