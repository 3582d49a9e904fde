#pragma once
// What `hessian import` does to a data set between reading it and writing the data file, in this
// order:
//
//   1. rows:      the first `limit` samples, or a seeded random subset of `subset` samples (kept in
//                 file order; hess::random_subset), or all;
//   2. reshape:   samples viewed as `sample_shape` (same element count), e.g. 64 CSV columns as
//                 [1, 8, 8] images;
//   3. scale:     X divided by `scale` (images: 255 by default, so pixels lie in [0, 1]);
//   4. normalize: `feature`: every element of a sample (pixel, CSV column) shifted and scaled to
//                 mean 0 and variance 1 over the imported samples; `channel`: the same per channel
//                 (the first axis of a sample), statistics over the samples and all positions. The
//                 variance is the population variance (divide by N); an element or channel whose
//                 standard deviation is below kConstantStd is only centred. Statistics are computed
//                 in double.
//   5. mean/std:  torchvision's Normalize: x' = (x − mean_c)/std_c for channel c (the first axis of
//                 a sample, e.g. C of [C, H, W]), one (mean, std) pair per channel or one for all,
//                 in float32 arithmetic as torchvision does on float32 tensors. Not with
//                 `normalize`.
//
// The returned description is stored as the data file's `preprocessing` attribute.
//
//   hess::PreprocessOptions o;
//   o.subset = 1000;  o.seed = 1;  o.scale = 255;  o.normalize = hess::Standardization::Channel;
//   std::string note = hess::preprocess(data, o);

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dataset.h"
#include "engine/enum_names.h"

namespace hess {

enum class Standardization : uint8_t { None, Feature, Channel };
template <>
struct EnumNames<Standardization> {
  static constexpr std::string_view what = "normalization";
  static constexpr std::string_view names[] = {"none", "feature", "channel"};
};

// Below this standard deviation a feature or channel counts as constant.
constexpr double kConstantStd = 1e-12;

struct PreprocessOptions {
  int64_t limit = 0;   // keep the first `limit` samples (0: all)
  int64_t subset = 0;  // keep a seeded random subset of `subset` samples (0: all)
  uint64_t seed = 0;
  Shape sample_shape;  // empty: keep the shape
  double scale = 1.0;  // X /= scale
  Standardization normalize = Standardization::None;
  // Per channel, or one value for every channel; both empty or of the same length.
  std::vector<double> channel_mean;
  std::vector<double> channel_std;  // positive
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

// Applies `o` to `d` and describes what was done, e.g. "first 1000 of 60000 samples; values / 255".
// Throws std::invalid_argument when the options do not fit the data (a subset larger than the data,
// a shape of another element count), FieldError("channel_mean") for a count of means that is
// neither 1 nor the samples' channel count.
std::string preprocess(Dataset& d, const PreprocessOptions& o, const std::string& value_range = {});

}  // namespace hess
