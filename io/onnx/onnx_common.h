#pragma once
// Internal to the ONNX importer: the fault type its pieces throw (the message says what is wrong;
// the converter adds the file and the node or initializer) and the limits that keep a hostile file
// from asking for unbounded memory or overflowing shape arithmetic.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "engine/shape.h"

namespace hess::onnx_import {

class ImportFault : public std::runtime_error {
 public:
  explicit ImportFault(const std::string& what) : std::runtime_error(what) {}
};

[[noreturn]] inline void fault(const std::string& what) {
  throw ImportFault(what);
}

// Largest rank of any tensor.
inline constexpr int64_t kMaxRank = 8;
// Largest extent of any axis, and largest element count of an initializer.
inline constexpr int64_t kMaxExtent = int64_t{1} << 31;
// Largest element count of a tensor folded at import time (shape arithmetic, constants).
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;
// Largest element count of an activation at the probe batch sizes.
inline constexpr int64_t kMaxActivationElements = int64_t{1} << 34;
// Largest kernel, stride, dilation or padding a convolution or pooling attribute may hold.
inline constexpr int64_t kMaxWindow = int64_t{1} << 20;
// Integers read from files are clamped to ±kIntClamp: such magnitudes only ever mean "to the end"
// (Slice bounds), and the clamp keeps every later sum and product exact in double.
inline constexpr int64_t kIntClamp = int64_t{1} << 52;

// Element count of `s`; a fault when an extent is negative or the count exceeds `limit`.
inline int64_t checked_numel(const Shape& s, int64_t limit, const char* what) {
  if (static_cast<int64_t>(s.size()) > kMaxRank)
    fault(std::string(what) + " has rank " + std::to_string(s.size()) + " (at most 8)");
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) fault(std::string(what) + " has a negative extent in " + to_string(s));
    if (d > kMaxExtent) fault(std::string(what) + " has an extent above 2^31 in " + to_string(s));
    if (d != 0 && n > limit / d)
      fault(std::string(what) + " " + to_string(s) + " has too many elements");
    n *= d;
  }
  if (n > limit) fault(std::string(what) + " " + to_string(s) + " has too many elements");
  return n;
}

}  // namespace hess::onnx_import
