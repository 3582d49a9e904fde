#pragma once
// Tensor<T>: a dense row-major array of float or double with a shape.
//
// The engine's arithmetic is done on flat buffers: a tensor of shape [B, C, H, W] stores element
// (b, c, h, w) at ((b*C + c)*H + h)*W + w. A tensor owns its buffer; resize() keeps the capacity,
// so a workspace that evaluates the same graph many times allocates only on the first pass
// (DESIGN.md §7: fresh large buffers cause page-fault storms).
//
// Tangent tensors carry k directions at once: a tangent of a value of shape S has shape [k, S...],
// column j being the contiguous slice j*numel(S) ... (j+1)*numel(S).
//
// Buffers start on a 64-byte boundary. Eigen's vectorized kernels peel a head whose length depends
// on the address, so with malloc's varying alignment the same product could round differently in
// two workspaces; with a fixed alignment every evaluation of the same θ and v gives the same bits.
//
// Matrices for GEMM are views, not copies: mat(t, rows, cols) maps the buffer as a row-major
// Eigen matrix, so `mat(y, B, out) = mat(x, B, in) * mat(w, out, in).transpose()` is a linear
// layer.
//
//   hess::Tensor<double> x({2, 3});      // zero-filled 2x3
//   x.at(1) = 4.0;                        // flat access
//   auto m = hess::mat(x, 2, 3);          // Eigen row-major map
//   m.row(0).setOnes();

#include <Eigen/Core>
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <new>
#include <vector>

#include "engine/shape.h"

namespace hess {

// The allocator of tensor buffers: every buffer starts on a kTensorAlignment-byte boundary.
inline constexpr std::size_t kTensorAlignment = 64;

template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kTensorAlignment}));
  }
  void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{kTensorAlignment}); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};

template <class T>
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape) : shape_(std::move(shape)), data_(numel(shape_), T(0)) {}
  Tensor(Shape shape, const std::vector<T>& data)
      : shape_(std::move(shape)), data_(data.begin(), data.end()) {
    assert(static_cast<int64_t>(data_.size()) == numel(shape_));
  }

  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_[i]; }
  size_t rank() const { return shape_.size(); }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T& at(int64_t i) { return data_[i]; }
  const T& at(int64_t i) const { return data_[i]; }
  T* begin() { return data_.data(); }
  T* end() { return data_.data() + data_.size(); }
  const T* begin() const { return data_.data(); }
  const T* end() const { return data_.data() + data_.size(); }

  // Changes the shape; the buffer keeps its capacity. Contents are unspecified afterwards.
  void resize(const Shape& shape) {
    shape_ = shape;
    data_.resize(numel(shape_));
  }
  // Resize and fill with zeros.
  void reset(const Shape& shape) {
    resize(shape);
    std::fill(data_.begin(), data_.end(), T(0));
  }
  void zero() { std::fill(data_.begin(), data_.end(), T(0)); }
  // Same data, new shape of equal size.
  void reshape(const Shape& shape) {
    assert(numel(shape) == size());
    shape_ = shape;
  }
  void clear() {
    shape_.clear();
    data_.clear();
  }

 private:
  Shape shape_;
  std::vector<T, AlignedAllocator<T>> data_;
};

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatMap = Eigen::Map<RowMat<T>>;
template <class T>
using ConstMatMap = Eigen::Map<const RowMat<T>>;
template <class T>
using VecMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVecMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;

// Row-major matrix views over raw buffers and tensors.
template <class T>
MatMap<T> mat(T* p, int64_t rows, int64_t cols) {
  return MatMap<T>(p, rows, cols);
}
template <class T>
ConstMatMap<T> mat(const T* p, int64_t rows, int64_t cols) {
  return ConstMatMap<T>(p, rows, cols);
}
template <class T>
MatMap<T> mat(Tensor<T>& t, int64_t rows, int64_t cols) {
  assert(rows * cols == t.size());
  return MatMap<T>(t.data(), rows, cols);
}
template <class T>
ConstMatMap<T> mat(const Tensor<T>& t, int64_t rows, int64_t cols) {
  assert(rows * cols == t.size());
  return ConstMatMap<T>(t.data(), rows, cols);
}
template <class T>
VecMap<T> vec(Tensor<T>& t) {
  return VecMap<T>(t.data(), t.size());
}
template <class T>
ConstVecMap<T> vec(const Tensor<T>& t) {
  return ConstVecMap<T>(t.data(), t.size());
}

}  // namespace hess
