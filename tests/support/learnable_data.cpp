#include "support/learnable_data.h"

#include "engine/random.h"

namespace hess::test {

Dataset learnable_data(int64_t n, uint64_t seed) {
  Dataset d;
  d.sample_shape = {6};
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    float best_v = -1e9f;
    for (int j = 0; j < 6; ++j) {
      const float v = static_cast<float>(rng.normal());
      d.x.push_back(v);
      if (j < 3 && v > best_v) best_v = v, best = j;
    }
    d.labels.push_back(best);
  }
  return d;
}

}  // namespace hess::test
