#include "engine/dataset.h"

#include <algorithm>

namespace hess {

int64_t Dataset::num_classes() const {
  if (labels.empty()) return 0;
  return *std::max_element(labels.begin(), labels.end()) + 1;
}

}  // namespace hess
