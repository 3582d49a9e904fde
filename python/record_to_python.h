#pragma once
// Results as Python values: a Record (io/record.h) as the dict its JSON would be, with numpy arrays
// for lists of numbers and arrays (every field sent to JSON, an attribute or a dataset: also the
// eigenvectors the JSON leaves out); a result file's groups as nested dicts of numpy arrays
// (datasets) and values (attributes, under the key "attrs").

#include <pybind11/pybind11.h>

#include <string>

#include "io/record.h"

namespace hess::python {

pybind11::dict record_to_dict(const Record& r);

// Every group of the result file `path`, read from a copy made in a child process (a damaged file
// is an OSError, never a crash): {"attrs": {...}, "eigen": {"attrs": {...}, "eigenvalues": array,
// ...}, ...}.
pybind11::dict read_result_file(const std::string& path);
// The group `name` of that file as read_result_file gives it, or None.
pybind11::object read_result_group(const std::string& path, const std::string& name);

}  // namespace hess::python
