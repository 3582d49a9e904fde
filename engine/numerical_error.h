#pragma once
// Thrown by the engine when a pass meets NaN or Inf; the message names the node and the pass.
// Analyzers turn it into a status in their Result; tools report it as a runtime failure (exit 1).

#include <stdexcept>
#include <string>

namespace hess {

class NumericalError : public std::runtime_error {
 public:
  explicit NumericalError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace hess
