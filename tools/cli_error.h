#pragma once
// The command line's error policy:
//   UsageError  -> "hessian: error: ..." and exit code 2 (bad flags, bad values, bad arch strings)
//   anything else (files, numerical failures) -> "hessian: error: ..." and exit code 1.

#include <stdexcept>
#include <string>

namespace hess::cli {

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

}  // namespace hess::cli
