#pragma once
// Wall-clock seconds since construction, for the `seconds` an analyzer reports as its cost.

#include <chrono>

namespace hess {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hess
