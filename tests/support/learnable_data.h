#pragma once
// A small classification data set a small MLP can learn, for training tests: six N(0, 1) features
// per sample (seeded), the class the argmax of the first three.

#include <cstdint>

#include "engine/dataset.h"

namespace hess::test {

Dataset learnable_data(int64_t n, uint64_t seed);

}  // namespace hess::test
