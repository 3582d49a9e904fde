#include "python/record_to_python.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "io/hdf5_dataset.h"
#include "io/hdf5_file.h"
#include "io/result_file.h"
#include "python/data_arrays.h"

namespace hess::python {

namespace py = pybind11;

namespace {

// One value as Python: lists of numbers and arrays as numpy arrays (rows of vector cells as a
// 2-D array), null as None, the rest as Python's own.
template <class T>
py::object to_python(const T& x) {
  if constexpr (std::is_same_v<T, Null>) {
    return py::none();
  } else if constexpr (std::is_same_v<T, Matrix>) {
    return numpy_copy(x.values, x.shape);
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                       std::is_same_v<T, std::vector<double>>) {
    return numpy_copy(x);
  } else if constexpr (std::is_same_v<T, std::vector<std::vector<double>>> ||
                       std::is_same_v<T, std::vector<std::vector<int64_t>>>) {
    using E = typename T::value_type::value_type;
    const size_t width = x.empty() ? 0 : x.front().size();
    std::vector<E> flat;
    for (const auto& row : x) flat.insert(flat.end(), row.begin(), row.end());
    if (flat.size() != x.size() * width) return py::cast(x);  // ragged: lists
    return numpy_copy(flat, Shape{static_cast<int64_t>(x.size()), static_cast<int64_t>(width)});
  } else {
    return py::cast(x);
  }
}

template <class Variant>
py::object variant_to_python(const Variant& v) {
  return std::visit([](const auto& x) { return to_python(x); }, v);
}

py::dict table_to_dict(const Rows& rows) {
  py::dict d;
  for (const Column& c : rows.columns()) {
    const std::string key = !c.key.empty() ? c.key : !c.dataset.empty() ? c.dataset : c.header;
    if (key.empty() || key == "#") continue;
    d[py::str(key)] = variant_to_python(c.values);
  }
  return d;
}

py::object dataset_to_python(const h5::Dataset& d) {
  const h5::DType t = d.dtype();
  const Shape shape = d.shape();
  if (t.cls == h5::DType::String) return py::cast(d.read_strings());
  if (t.cls == h5::DType::Int || t.cls == h5::DType::UInt)
    return numpy_copy(d.read<int64_t>(), shape);
  if (t.cls == h5::DType::Float) return numpy_copy(d.read<double>(), shape);
  return py::none();  // a compound or other type no result group holds
}

py::dict group_to_dict(const h5::Group& g) {
  py::dict d;
  py::dict attrs;
  for (const std::string& a : g.attr_names()) attrs[py::str(a)] = variant_to_python(g.attr(a));
  d["attrs"] = attrs;
  for (const std::string& child : g.children()) {
    if (g.has_group(child)) {
      d[py::str(child)] = group_to_dict(g.group(child));
    } else if (g.has_dataset(child)) {
      d[py::str(child)] = dataset_to_python(g.dataset(child));
    }
  }
  return d;
}

}  // namespace

py::dict record_to_dict(const Record& r) {
  py::dict d;
  for (const auto& [part, i] : r.order()) {
    if (part == Record::Part::Field) {
      const Field& f = r.fields()[i];
      if (f.channels & (kJson | kAttr | kDataset)) d[py::str(f.key)] = variant_to_python(f.value);
    } else if (part == Record::Part::Table) {
      const auto& [key, rows] = r.tables()[i];
      if (rows.channels() & (kJson | kDataset)) d[py::str(key)] = table_to_dict(rows);
    } else {
      d[py::str(r.child_keys()[i])] = record_to_dict(r.children()[i]);
    }
  }
  return d;
}

py::dict read_result_file(const std::string& path) {
  const std::string image = isolated_result_image(path);
  const h5::File f = h5::File::open_image(image, path);
  return group_to_dict(f);
}

py::object read_result_group(const std::string& path, const std::string& name) {
  const std::string image = isolated_result_image(path);
  const h5::File f = h5::File::open_image(image, path);
  if (!f.has_group(name)) return py::none();
  return group_to_dict(f.group(name));
}

}  // namespace hess::python
