#include "python/python_errors.h"

#include <string>

#include "engine/field_error.h"
#include "engine/shown_name.h"
#include "io/file_error.h"
#include "tools/cli_error.h"

namespace hess::python {

namespace {

// The command line's one-line form of a message (tools/main.cpp): long words cut, no newlines.
std::string one_line(const char* what) {
  std::string line = shorten_long_words(what);
  for (char& ch : line) {
    if (ch == '\n') ch = ' ';
  }
  return line;
}

}  // namespace

void register_errors() {
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pybind11::builtin_exception&) {
      throw;  // pybind11's own, translated by it
    } catch (const pybind11::error_already_set&) {
      throw;
    } catch (const Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const cli::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, one_line(e.what()).c_str());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, one_line(e.what()).c_str());
    } catch (const FileError& e) {
      PyErr_SetString(PyExc_OSError, one_line(e.what()).c_str());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory");
    } catch (const std::exception& e) {
      PyErr_SetString(PyExc_RuntimeError, one_line(e.what()).c_str());
    }
  });
}

}  // namespace hess::python
