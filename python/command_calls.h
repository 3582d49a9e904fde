#pragma once
// The library's runs called from Python with the command line's flags: the module's keyword
// arguments become the words of a command's flags (hessian_engine/__init__.py), parsed by the same
// table the command line uses (tools/prepared_command.h), then the run is called in this process
// with the GIL released.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/dataset.h"

namespace hess::python {

// Runs command `name` (one the module calls: tools/commands.cpp lists them with a prepare
// function) with `args`, in-memory `arrays` (or null), writing to `out` or, when none is given,
// to a temporary file removed afterwards. Returns (the summary as a dict, the group named `name`
// the run wrote as read_result_file gives it, or None, the warnings met).
pybind11::tuple run_command(const std::string& name, const std::vector<std::string>& args,
                            std::shared_ptr<const Dataset> arrays, std::optional<std::string> out);

// The names of the command's flags (as typed, without "--") and its help text.
std::vector<std::string> command_flags(const std::string& name);
std::string command_help(const std::string& name);

// Y = A V for V of P entries or P x k (float64), A the Hessian or GGN (--curvature) of the loss of
// the model and data the input flags in `args` name (--samples, --layers, ...; see hvp_flags).
pybind11::array_t<double> hvp(const std::vector<std::string>& args,
                              std::shared_ptr<const Dataset> arrays, const pybind11::array& V);
std::vector<std::string> hvp_flags();

// (L, g): the loss and its gradient at the model's parameters, or at `theta` when given (P
// entries), over the data and analysis set the input flags in `args` name.
pybind11::tuple gradient(const std::vector<std::string>& args,
                         std::shared_ptr<const Dataset> arrays,
                         const std::optional<pybind11::array>& theta);

// The model the flags in `args` name: {"label", "parameters", "blocks", "block_sizes",
// "theta", "warnings"}.
pybind11::dict model_info(const std::vector<std::string>& args);

}  // namespace hess::python
