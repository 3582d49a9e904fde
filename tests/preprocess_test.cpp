// Import preprocessing (io/preprocess): row selection, reshape, scaling and both normalizations
// against statistics computed independently here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/field_error.h"
#include "engine/random.h"
#include "io/preprocess.h"

using namespace hess;

namespace {

// n samples of shape [2, 3] with x = 10 * sample + element, labels = sample.
Dataset grid(int64_t n) {
  Dataset d;
  d.sample_shape = {2, 3};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = 0; e < 6; ++e) d.x.push_back(static_cast<float>(10 * i + e));
    d.labels.push_back(i);
  }
  return d;
}

constexpr double kTol = 1e-5;

}  // namespace

TEST_CASE("rows: all, the first N, or a seeded subset in file order") {
  Dataset a = grid(5);
  PreprocessOptions o;
  CHECK(preprocess(a, o) == "all 5 samples");
  CHECK(a.size() == 5);

  o.limit = 2;
  CHECK(preprocess(a, o) == "the first 2 of 5 samples");
  CHECK(a.labels == std::vector<int64_t>{0, 1});
  CHECK(a.x.size() == 12);

  Dataset b = grid(20);
  PreprocessOptions s;
  s.subset = 4;
  s.seed = 9;
  CHECK(preprocess(b, s) == "a random subset of 4 of 20 samples (seed 9, file order kept)");
  std::vector<int64_t> want = random_subset(20, 4, 9);
  std::sort(want.begin(), want.end());
  CHECK(b.labels == want);
  for (int64_t i = 0; i < 4; ++i) CHECK(b.x[i * 6 + 5] == static_cast<float>(10 * want[i] + 5));

  Dataset c = grid(3);
  s.subset = 4;
  CHECK_THROWS_AS(preprocess(c, s), std::invalid_argument);
}

TEST_CASE("reshape and scale") {
  Dataset d = grid(2);
  PreprocessOptions o;
  o.sample_shape = {6};
  o.scale = 4;
  CHECK(preprocess(d, o, "pixel values") ==
        "all 2 samples; samples reshaped from [2, 3] to [6]; pixel values divided by 4");
  CHECK(d.sample_shape == Shape{6});
  CHECK(d.x[5] == 1.25f);
  CHECK(d.x[11] == 15.0f / 4.0f);
  o.sample_shape = {5};
  CHECK_THROWS_AS(preprocess(d, o), std::invalid_argument);
}

TEST_CASE(
    "feature and channel standardization give mean 0 and variance 1; constant features are only "
    "centred") {
  Dataset d = grid(7);
  for (int64_t i = 0; i < 7; ++i) d.x[i * 6 + 2] = 3.0f;  // element 2 is constant
  Dataset e = d;
  PreprocessOptions o;
  o.normalize = Standardization::Feature;
  preprocess(d, o);
  for (int64_t el = 0; el < 6; ++el) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < 7; ++i) m += d.x[i * 6 + el] / 7.0;
    for (int64_t i = 0; i < 7; ++i) v += (d.x[i * 6 + el] - m) * (d.x[i * 6 + el] - m) / 7.0;
    CHECK(std::abs(m) < kTol);
    CHECK(std::abs(v - (el == 2 ? 0.0 : 1.0)) < kTol);
  }
  o.normalize = Standardization::Channel;
  preprocess(e, o);
  for (int64_t ch = 0; ch < 2; ++ch) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < 7; ++i) {
      for (int64_t k = 0; k < 3; ++k) m += e.x[i * 6 + ch * 3 + k] / 21.0;
    }
    for (int64_t i = 0; i < 7; ++i) {
      for (int64_t k = 0; k < 3; ++k) v += std::pow(e.x[i * 6 + ch * 3 + k] - m, 2) / 21.0;
    }
    CHECK(std::abs(m) < kTol);
    CHECK(std::abs(v - 1.0) < kTol);
  }
}

TEST_CASE("options are validated and normalization names map both ways") {
  PreprocessOptions o;
  o.limit = 1;
  o.subset = 1;
  CHECK_THROWS_AS(o.validate(), std::invalid_argument);
  o = {};
  o.scale = 0;
  CHECK_THROWS_AS(o.validate(), std::invalid_argument);
  o = {};
  o.limit = -1;
  CHECK_THROWS_AS(o.validate(), std::invalid_argument);
  for (Standardization n :
       {Standardization::None, Standardization::Feature, Standardization::Channel}) {
    CHECK(parse_enum<Standardization>(name_of(n)) == n);
  }
  CHECK_THROWS_AS(parse_enum<Standardization>("pixel"), std::invalid_argument);
}

TEST_CASE("mean/std: torchvision's Normalize per channel (first axis), or one pair for all") {
  Dataset a = grid(4);  // [2, 3]: channel 0 holds elements 0..2, channel 1 elements 3..5
  PreprocessOptions o;
  o.scale = 2;
  o.channel_mean = {1.5, -0.25};
  o.channel_std = {0.5, 4};
  const std::string note = preprocess(a, o);
  CHECK(note.find("Normalize") != std::string::npos);
  CHECK(note.find("mean (1.5, -0.25) and std (0.5, 4)") != std::string::npos);
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t e = 0; e < 6; ++e) {
      const double m = e < 3 ? 1.5 : -0.25, s = e < 3 ? 0.5 : 4;
      // Every step is exact here (halves and quarters of small integers).
      CHECK(a.x[i * 6 + e] == ((10 * i + e) / 2.0 - m) / s);
    }
  }
  Dataset b = grid(2);
  o.scale = 1;
  o.channel_mean = {3};
  o.channel_std = {2};
  CHECK(preprocess(b, o).find("over all values") != std::string::npos);
  for (int64_t k = 0; k < 12; ++k) CHECK(b.x[k] == ((k / 6) * 10 + k % 6 - 3) / 2.0);
}

TEST_CASE("mean/std: a count that fits neither one nor the channels, and bad values, are refused") {
  Dataset a = grid(2);
  PreprocessOptions o;
  o.channel_mean = {0, 0, 0};
  o.channel_std = {1, 1, 1};
  try {
    preprocess(a, o);
    FAIL("3 means for 2 channels");
  } catch (const FieldError& e) {
    CHECK(e.field() == "channel_mean");
    CHECK(std::string(e.what()).find("2 channels") != std::string::npos);
  }
  CHECK(a.x[1] == 1.0f);  // left as it was
  o.channel_std = {1, 1};
  CHECK_THROWS_AS(o.validate(), FieldError);
  o.channel_mean = {0, 0};
  o.channel_std = {1, 0};
  CHECK_THROWS_AS(o.validate(), FieldError);
  o.channel_std = {1, 1};
  o.channel_mean = {0, NAN};
  CHECK_THROWS_AS(o.validate(), FieldError);
  o.channel_mean = {0, 0};
  CHECK_NOTHROW(o.validate());
  o.normalize = Standardization::Channel;
  CHECK_THROWS_AS(o.validate(), FieldError);
}
