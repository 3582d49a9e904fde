#include "python/data_arrays.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace hess::python {

namespace py = pybind11;

namespace {

bool is_integer_kind(char kind) {
  return kind == 'i' || kind == 'u';
}

}  // namespace

std::shared_ptr<const Dataset> dataset_from_arrays(const py::array& X, const py::array& y) {
  const char xk = X.dtype().kind();
  if (xk != 'f' || (X.itemsize() != 4 && X.itemsize() != 8)) {
    throw std::invalid_argument("X has dtype " + std::string(py::str(X.dtype())) +
                                ": give float32 or float64 samples (scale images first)");
  }
  if (X.ndim() < 2) {
    throw std::invalid_argument("X has " + std::to_string(X.ndim()) +
                                " dimension(s): give [N, sample...] (one row per sample)");
  }
  const int64_t n = X.shape(0);
  if (n < 1) throw std::invalid_argument("X holds no samples");
  if (y.ndim() < 1 || y.shape(0) != n) {
    throw std::invalid_argument("y holds " + std::to_string(y.ndim() ? y.shape(0) : 0) +
                                " rows, X holds " + std::to_string(n) + " samples");
  }
  auto d = std::make_shared<Dataset>();
  for (py::ssize_t i = 1; i < X.ndim(); ++i) d->sample_shape.push_back(X.shape(i));
  if (py::isinstance<py::array_t<float, py::array::c_style>>(X) &&
      (X.flags() & py::array::c_style)) {
    // Native float32, C order: read in place, the array kept alive (and released with the GIL).
    auto* ref = new py::object(X);
    d->borrowed.data = static_cast<const float*>(X.data());
    d->borrowed.size = static_cast<size_t>(X.size());
    d->borrowed.owner =
        std::shared_ptr<const void>(static_cast<const void*>(ref), [](const void* p) {
          py::gil_scoped_acquire gil;
          delete static_cast<const py::object*>(p);
        });
  } else {
    const auto xs = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(X);
    d->x.assign(xs.data(), xs.data() + xs.size());
  }
  const int64_t per = numel(d->sample_shape);
  const float* x = d->values();
  for (size_t i = 0; i < d->num_values(); ++i) {
    if (!std::isfinite(x[i])) {
      throw std::invalid_argument(
          "X holds a non-finite value (or one beyond float32's range) in "
          "sample " +
          std::to_string(static_cast<int64_t>(i) / per));
    }
  }
  if (is_integer_kind(y.dtype().kind())) {
    if (y.ndim() != 1)
      throw std::invalid_argument("y holds integer labels of rank " + std::to_string(y.ndim()) +
                                  ": give [N] class labels");
    const auto ys = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(y);
    d->labels.assign(ys.data(), ys.data() + ys.size());
    for (size_t i = 0; i < d->labels.size(); ++i) {
      if (d->labels[i] < 0)
        throw std::invalid_argument("y holds the negative label " + std::to_string(d->labels[i]) +
                                    " in sample " + std::to_string(i));
    }
  } else if (y.dtype().kind() == 'f') {
    if (y.ndim() > 2)
      throw std::invalid_argument("y holds real targets of rank " + std::to_string(y.ndim()) +
                                  ": give [N] or [N, k]");
    const auto ys = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(y);
    d->targets.assign(ys.data(), ys.data() + ys.size());
    d->target_dim = y.ndim() == 2 ? y.shape(1) : 1;
    for (size_t i = 0; i < d->targets.size(); ++i) {
      if (!std::isfinite(d->targets[i]))
        throw std::invalid_argument("y holds a non-finite target in sample " +
                                    std::to_string(static_cast<int64_t>(i) / d->target_dim));
    }
  } else {
    throw std::invalid_argument("y has dtype " + std::string(py::str(y.dtype())) +
                                ": give integer class labels or real targets");
  }
  return d;
}

py::array x_view(const std::shared_ptr<const Dataset>& d, py::handle owner) {
  std::vector<py::ssize_t> shape{d->size()};
  shape.insert(shape.end(), d->sample_shape.begin(), d->sample_shape.end());
  py::array_t<float> a(shape, d->values(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::array y_copy(const Dataset& d) {
  if (d.has_labels()) return numpy_copy(d.labels);
  Shape shape{d.size()};
  if (d.target_dim > 1) shape.push_back(d.target_dim);
  return numpy_copy(d.targets, shape);
}

}  // namespace hess::python
