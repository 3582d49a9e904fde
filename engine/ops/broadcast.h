#pragma once
// NumPy broadcasting: shapes are aligned at their last axis; an extent of 1 stretches.

#include <cstdint>
#include <vector>

#include "engine/shape.h"

namespace hess {

// The broadcast shape of a and b; throws std::invalid_argument when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// For every flat index of a tensor of shape `out`, the flat index of the element of a tensor of
// shape `in` (broadcastable to `out`) that it reads.
std::vector<int64_t> broadcast_index(const Shape& in, const Shape& out);

}  // namespace hess
