// Data sets as bytes (io/dataset_bytes): what pack_data makes, unpack_data gives back bit for bit;
// anything else is refused.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/dataset_bytes.h"
#include "io/file_error.h"
#include "support/error_message.h"

using namespace hess;
using namespace hess::test;

namespace {
DataFile sample(bool targets) {
  DataFile d;
  d.data.sample_shape = {1, 2, 3};
  for (int i = 0; i < 12; ++i) d.data.x.push_back(std::sin(static_cast<float>(i)));
  d.data.x[3] = std::numeric_limits<float>::denorm_min();
  if (targets) {
    d.data.target_dim = 2;
    d.data.targets = {0.5f, -1, 2, 3};
  } else {
    d.data.labels = {7, 0};
  }
  d.provenance = {"CSV: a.csv", std::string("with a \0 inside", 15)};
  return d;
}
}  // namespace

TEST_CASE("labels and targets come back bit for bit") {
  for (bool targets : {false, true}) {
    const DataFile d = sample(targets);
    const DataFile r = unpack_data(pack_data(d), "d.h5");
    CHECK(r.data.sample_shape == d.data.sample_shape);
    CHECK(std::memcmp(r.data.x.data(), d.data.x.data(), d.data.x.size() * sizeof(float)) == 0);
    CHECK(r.data.labels == d.data.labels);
    CHECK(r.data.targets == d.data.targets);
    CHECK(r.data.target_dim == d.data.target_dim);
    CHECK(r.provenance.source == d.provenance.source);
    CHECK(r.provenance.preprocessing == d.provenance.preprocessing);
  }
}

TEST_CASE("cut, padded or foreign bytes are refused") {
  const std::string bytes = pack_data(sample(false));
  CHECK(error_message<FileError>([&] { unpack_data(bytes.substr(0, bytes.size() - 1), "d.h5"); }) ==
        "d.h5: the data handed back by the reading process is cut short");
  CHECK(error_message<FileError>([&] { unpack_data(bytes + "x", "d.h5"); }) ==
        "d.h5: the data handed back by the reading process is inconsistent");
  CHECK(error_message<FileError>([&] { unpack_data("something else entirely", "d.h5"); }) ==
        "d.h5: the data handed back by the reading process is not a data set");
  std::string huge = bytes;
  const int64_t absurd = int64_t{1} << 60;
  std::memcpy(huge.data() + 8, &absurd, sizeof absurd);  // the sample shape's length
  CHECK(error_message<FileError>([&] { unpack_data(huge, "d.h5"); }) ==
        "d.h5: the data handed back by the reading process is inconsistent");
}
