#pragma once
// Option checks of the analyzers: the message of the std::invalid_argument an analyzer's run()
// throws, and whether it opens with the offending field's name ("k (5) exceeds P (4)",
// "groups: ...", "tol must be positive ...").
//
//   CHECK(names_field(rejection(options, op), "max_probes"));

#include <stdexcept>
#include <string>

#include "engine/curvature_operator.h"

namespace hess::test {

// The message of the std::invalid_argument that run(options, op) throws, or "" when it accepts.
template <class Options>
std::string rejection(const Options& options, const CurvatureOperator& op) {
  try {
    run(options, op);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// The message starts with `field` followed by a space or a colon.
inline bool names_field(const std::string& message, const std::string& field) {
  return message.starts_with(field + " ") || message.starts_with(field + ":");
}

}  // namespace hess::test
