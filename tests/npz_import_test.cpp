// numpy .npz files as data sets (io/npz_import): the fixtures of tests/data/make_npz_fixtures.py
// (np.savez and np.savez_compressed) read back to the values its formulas give, in every dtype,
// byte order and memory order it stores them; missing keys name the arrays present; faults of the
// file are FileErrors naming it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/field_error.h"
#include "io/file_error.h"
#include "io/npz_import.h"

using namespace hess;

namespace {

const std::string kDir = std::string(HESS_SOURCE_DIR) + "/tests/data/npz/";

// X of plain.npz: (arange(60) - 17) / 8, [5, 3, 2, 2].
std::vector<float> plain_x() {
  std::vector<float> x;
  for (int i = 0; i < 60; ++i) x.push_back(static_cast<float>((i - 17) / 8.0));
  return x;
}

ImportedData read(const std::string& file, const std::string& x = "X", const std::string& y = "y") {
  NpzImportOptions o;
  o.x_key = x;
  o.y_key = y;
  return import_npz(kDir + file, o);
}

}  // namespace

TEST_CASE("np.savez: float32 samples [N, C, H, W] and int64 labels, in every stored variant") {
  const ImportedData d = read("plain.npz");
  CHECK(d.data.sample_shape == Shape{3, 2, 2});
  CHECK(d.data.size() == 5);
  CHECK(d.data.x == plain_x());
  CHECK(d.data.labels == std::vector<int64_t>{2, 0, 1, 2, 1});
  CHECK(d.data.target_dim == 0);
  CHECK(d.default_scale == 1);
  CHECK(d.source.find("plain.npz") != std::string::npos);
  // Fortran order and big-endian float64 give the same samples.
  CHECK(read("plain.npz", "Xf").data.x == plain_x());
  CHECK(read("plain.npz", "Xbe").data.x == plain_x());
  // int32, uint8 labels; bool labels are classes 0 and 1.
  CHECK(read("plain.npz", "X", "y32").data.labels == std::vector<int64_t>{2, 0, 1, 2, 1});
  CHECK(read("plain.npz", "X", "yu8").data.labels == std::vector<int64_t>{2, 0, 1, 2, 1});
  CHECK(read("plain.npz", "X", "yb").data.labels == std::vector<int64_t>{0, 0, 1, 0, 1});
}

TEST_CASE("np.savez_compressed: named arrays, float64 samples and float32 targets [N, k]") {
  const ImportedData d = read("compressed.npz", "features", "targets");
  CHECK(d.data.sample_shape == Shape{4});
  CHECK(d.data.size() == 6);
  for (int i = 0; i < 24; ++i) CHECK(d.data.x[i] == static_cast<float>((i * 3 - 5) / 4.0));
  CHECK(d.data.target_dim == 2);
  CHECK_FALSE(d.data.has_labels());
  for (int i = 0; i < 12; ++i) CHECK(d.data.targets[i] == static_cast<float>(i / 2.0));
}

TEST_CASE("uint8 images [N, H, W] become [N, 1, H, W] with a default scale of 255") {
  const ImportedData d = read("images.npz");
  CHECK(d.data.sample_shape == Shape{1, 5, 5});
  for (int i = 0; i < 100; ++i) CHECK(d.data.x[i] == static_cast<float>((i * 7) % 256));
  CHECK(d.data.labels == std::vector<int64_t>{3, 1, 4, 1});
  CHECK(d.default_scale == 255);
  CHECK_FALSE(d.value_range.empty());
}

TEST_CASE("a missing key names the arrays present; faults of the file are FileErrors") {
  try {
    read("compressed.npz");
    FAIL("X is not in compressed.npz");
  } catch (const FieldError& e) {
    CHECK(e.field() == "x_key");
    CHECK(std::string(e.what()).find("'features', 'targets'") != std::string::npos);
  }
  try {
    read("compressed.npz", "features", "labels");
    FAIL("labels is not in compressed.npz");
  } catch (const FieldError& e) {
    CHECK(e.field() == "y_key");
  }
  CHECK_THROWS_AS(read("plain.npz", "X", "X"), FieldError);
  CHECK_THROWS_AS(read("plain.npz", ""), FieldError);
  // One label short, a negative label, integer samples as labels of another shape.
  CHECK_THROWS_AS(read("plain.npz", "X", "y4"), FileError);
  CHECK_THROWS_AS(read("plain.npz", "X", "yneg"), FileError);
  CHECK_THROWS_AS(read("plain.npz", "y", "X"), FileError);
  CHECK_THROWS_AS(read("missing.npz"), FileError);
  CHECK_THROWS_AS(parse_npz("not a zip archive at all, but long enough", {}, "t.npz"), FileError);
}
