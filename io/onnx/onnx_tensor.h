#pragma once
// Tensors the ONNX importer knows at import time (initializers, Constant nodes, shape arithmetic)
// and the folding of ops over them.
//
// Values are doubles whatever the ONNX element type (integers are exact: they are clamped to
// ±kIntClamp). Shape arithmetic may depend on the batch size: the importer evaluates it at two
// probe batch sizes, so a StaticTensor holds the values at the first (v0) and, when they differ, at
// the second (v1). A folded op runs once per version; its result must have the same shape in both.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/shape.h"
#include "engine/tensor.h"

namespace onnx {
class TensorProto;
}

namespace hess::onnx_import {

enum class ElemKind : uint8_t { Real, Integer, Bool };

struct StaticTensor {
  ElemKind kind = ElemKind::Real;
  Shape shape;
  std::vector<double> v0;
  std::vector<double> v1;  // empty: the same as v0

  bool batch_dependent() const { return !v1.empty(); }
  const std::vector<double>& at(int version) const { return version == 1 && !v1.empty() ? v1 : v0; }
  // The values as integers (version 0 or 1), e.g. a Reshape target or Slice bounds.
  std::vector<int64_t> ints(int version) const;
  Tensor<double> tensor() const { return Tensor<double>(shape, v0); }
};

// The ElemKind of an ONNX element type; a fault for types the importer does not read (strings,
// complex numbers).
ElemKind elem_kind(int onnx_type);
// Rounds a double to the value type `onnx_type` holds (float32, float16 and integers), as Cast
// does.
double cast_value(double v, int onnx_type);

// Reads an initializer or a Constant's tensor: dims, data type, raw or typed data, sizes checked.
StaticTensor read_tensor(const onnx::TensorProto& t);

// Result of one version of a folded op.
using Folded = std::pair<Shape, std::vector<double>>;

// Runs `f` for version 0 and, when `dependent`, version 1, and assembles the StaticTensor.
StaticTensor fold(ElemKind kind, bool dependent, const std::function<Folded(int)>& f);

// Elementwise binary op with NumPy broadcasting.
StaticTensor fold_binary(const StaticTensor& a, const StaticTensor& b, ElemKind kind,
                         const std::function<double(double, double)>& f);
// Elementwise unary op.
StaticTensor fold_unary(const StaticTensor& a, ElemKind kind,
                        const std::function<double(double)>& f);

// y axis i is x axis perm[i].
Folded transpose_values(const Shape& shape, const std::vector<double>& x,
                        const std::vector<int64_t>& perm);
// Elements starts[a] + k * steps[a] (k = 0, 1, ...) along every axis, with bounds already resolved
// (0 <= start, out extents given).
Folded slice_values(const Shape& shape, const std::vector<double>& x,
                    const std::vector<int64_t>& start, const std::vector<int64_t>& step,
                    const Shape& out);
// Parts joined along `axis` (normalized).
Folded concat_values(const std::vector<Shape>& shapes,
                     const std::vector<const std::vector<double>*>& parts, int64_t axis);
// ONNX Gather along `axis` (normalized) with integer indices (negative ones count from the end).
Folded gather_values(const Shape& shape, const std::vector<double>& x, int64_t axis,
                     const Shape& index_shape, const std::vector<int64_t>& indices);

// Normalizes an axis in [-rank, rank) to [0, rank); a fault naming `what` otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what);

}  // namespace hess::onnx_import
