#pragma once
// How the module's C++ errors reach Python: the command line's one-line message (the text after
// `hessian: error: `), as ValueError for caller mistakes (bad options, arrays that do not fit),
// OSError for files, KeyboardInterrupt when Ctrl-C stopped a call, RuntimeError for the rest.

#include <pybind11/pybind11.h>

#include <stdexcept>

namespace hess::python {

// Thrown from the observer when SIGINT asked a call to stop; becomes KeyboardInterrupt.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// Registers the translation of every engine exception with pybind11.
void register_errors();

}  // namespace hess::python
