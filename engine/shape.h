#pragma once
// Shapes of tensors: a list of extents, row-major (the last index varies fastest).

#include <cstdint>
#include <string>
#include <vector>

namespace hess {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for the scalar shape {}).
inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// "[2, 3, 4]".
std::string to_string(const Shape& s);

// "1x28x28" -> [1, 28, 28]: positive extents separated by 'x'. Throws FieldError(field, …) for
// anything else.
Shape parse_shape(const std::string& text, const std::string& field);

// Product of extents in [begin, end).
int64_t numel_range(const Shape& s, size_t begin, size_t end);

}  // namespace hess
