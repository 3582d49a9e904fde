// hessian_engine._core: the compiled half of the Python module (python/hessian_engine/ is the
// other half, which gives it its Python face). Everything here calls the library layer in this
// process; see docs/python.md.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "io/data_file.h"
#include "python/command_calls.h"
#include "python/data_arrays.h"
#include "python/python_errors.h"
#include "python/record_to_python.h"

namespace py = pybind11;

namespace {

// In-memory data shared with the runs that use it (runs::Inputs::arrays), never copied again.
struct Arrays {
  std::shared_ptr<const hess::Dataset> data;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "Hessian Engine's compiled core; use the hessian_engine package.";
  hess::python::register_errors();

  py::class_<Arrays>(m, "Arrays")
      .def(py::init([](const py::array& X, const py::array& y) {
             return Arrays{hess::python::dataset_from_arrays(X, y)};
           }),
           py::arg("X"), py::arg("y"))
      .def_static(
          "read",
          [](const std::string& path) {
            return Arrays{std::make_shared<const hess::Dataset>(hess::read_data(path))};
          },
          py::arg("path"))
      .def("__len__", [](const Arrays& a) { return a.data->size(); })
      .def_property_readonly(
          "sample_shape", [](const Arrays& a) { return py::tuple(py::cast(a.data->sample_shape)); })
      .def_property_readonly("num_classes", [](const Arrays& a) { return a.data->num_classes(); })
      .def_property_readonly("X",
                             [](py::object self) {
                               const Arrays& a = self.cast<const Arrays&>();
                               return hess::python::x_view(a.data, self);
                             })
      .def_property_readonly("y", [](const Arrays& a) { return hess::python::y_copy(*a.data); });

  m.def(
      "run_command",
      [](const std::string& name, const std::vector<std::string>& args, const Arrays* arrays,
         std::optional<std::string> out) {
        return hess::python::run_command(name, args, arrays ? arrays->data : nullptr, out);
      },
      py::arg("name"), py::arg("args"), py::arg("arrays"), py::arg("out"));
  m.def("command_flags", &hess::python::command_flags, py::arg("name"));
  m.def("command_help", &hess::python::command_help, py::arg("name"));
  m.def(
      "hvp",
      [](const std::vector<std::string>& args, const Arrays* arrays, const py::array& V) {
        return hess::python::hvp(args, arrays ? arrays->data : nullptr, V);
      },
      py::arg("args"), py::arg("arrays"), py::arg("V"));
  m.def("hvp_flags", &hess::python::hvp_flags);
  m.def(
      "gradient",
      [](const std::vector<std::string>& args, const Arrays* arrays,
         const std::optional<py::array>& theta) {
        return hess::python::gradient(args, arrays ? arrays->data : nullptr, theta);
      },
      py::arg("args"), py::arg("arrays"), py::arg("theta"));
  m.def("model_info", &hess::python::model_info, py::arg("args"));
  m.def("read_results", &hess::python::read_result_file, py::arg("path"));
  m.def(
      "write_data",
      [](const std::string& path, const py::array& X, const py::array& y, const std::string& source,
         const std::string& preprocessing) {
        const auto d = hess::python::dataset_from_arrays(X, y);
        py::gil_scoped_release free;
        hess::write_data(path, *d, {source, preprocessing});
      },
      py::arg("path"), py::arg("X"), py::arg("y"), py::arg("source"), py::arg("preprocessing"));
}
