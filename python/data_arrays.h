#pragma once
// numpy arrays as an engine data set (engine/dataset.h): X of any sample shape, float32 or float64,
// and integer class labels or real targets y. A C-ordered native float32 X is read in place, not
// copied (the data set keeps the array alive); any other X is converted once to float32, as data
// files hold it.
//
//   auto d = hess::python::dataset_from_arrays(X, y);   // ValueError naming what does not fit

#include <pybind11/numpy.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "engine/dataset.h"

namespace hess::python {

// Throws std::invalid_argument naming `X` or `y` and what is wrong (dtype, rank, sample counts,
// a non-finite value, a negative label).
std::shared_ptr<const Dataset> dataset_from_arrays(const pybind11::array& X,
                                                   const pybind11::array& y);

// A numpy copy of `v` in the row-major `shape` (default: a vector).
template <class T>
pybind11::array_t<T> numpy_copy(const std::vector<T>& v, const Shape& shape) {
  pybind11::array_t<T> a(std::vector<pybind11::ssize_t>(shape.begin(), shape.end()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}
template <class T>
pybind11::array_t<T> numpy_copy(const std::vector<T>& v) {
  return numpy_copy(v, Shape{static_cast<int64_t>(v.size())});
}

// X as a read-only float32 view of the data set's values ([N, sample...]), kept alive by `owner`.
pybind11::array x_view(const std::shared_ptr<const Dataset>& d, pybind11::handle owner);
// y as an int64 [N] copy of the labels, or a float32 [N] / [N, k] copy of the targets.
pybind11::array y_copy(const Dataset& d);

}  // namespace hess::python
