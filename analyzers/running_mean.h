#pragma once
// Running mean and standard error of a stream of samples (Welford's update), for scalars or Eigen
// arrays (element by element). The standard error is s/√n with s the sample standard deviation
// (n − 1 in the denominator); it is NaN until two samples have been added.
//
//   hess::RunningMean<double> m(0.0);
//   for (double x : samples) m.add(x);
//   double estimate = m.mean(), error = m.std_error();

#include <cmath>
#include <cstdint>
#include <limits>

namespace hess {

template <class T>
class RunningMean {
 public:
  // `zero` fixes the shape (0.0, or Eigen::ArrayXd::Zero(n)).
  explicit RunningMean(const T& zero) : mean_(zero), m2_(zero) {}

  void add(const T& x) {
    ++n_;
    const T delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }

  int64_t count() const { return n_; }
  const T& mean() const { return mean_; }
  // Sample variance (n − 1 in the denominator).
  T variance() const { return m2_ / static_cast<double>(n_ - 1); }
  T std_error() const {
    using std::sqrt;
    if (n_ < 2) return mean_ * std::numeric_limits<double>::quiet_NaN();
    return sqrt(variance() / static_cast<double>(n_));
  }

 private:
  int64_t n_ = 0;
  T mean_;
  T m2_;
};

}  // namespace hess
