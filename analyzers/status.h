#pragma once
// How an analyzer's numerical work ended. Caller mistakes are exceptions (std::invalid_argument);
// numerical outcomes are a Status in the analyzer's Result, with a message saying what happened.

#include <string>
#include <string_view>

#include "engine/enum_names.h"

namespace hess {

enum class Status : unsigned char {
  Ok,            // converged / finished as asked
  NotConverged,  // stopped at its iteration or probe budget before its tolerance
  NonFinite,     // met NaN or Inf (the message names the node)
};
template <>
struct EnumNames<Status> {
  static constexpr std::string_view what = "status";
  static constexpr std::string_view names[] = {"ok", "not_converged", "non_finite"};
};

}  // namespace hess
