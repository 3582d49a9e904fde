// Data files (io/data_file): bit-exact round trips of labels and targets, files written by other
// tools (uint8 labels, float64 X), and one FileError naming the file for every fault.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/data_file.h"
#include "io/file_error.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

Dataset labelled(int64_t n) {
  Dataset d;
  d.sample_shape = {1, 2, 3};
  for (int64_t i = 0; i < n * 6; ++i)
    d.x.push_back(static_cast<float>(std::cos(0.1 * static_cast<double>(i))));
  d.x[0] = std::numeric_limits<float>::denorm_min();
  d.x[1] = -0.0f;
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(i % 4);
  return d;
}

// A data file written directly, as h5py or another tool would.
struct RawData {
  std::vector<int64_t> x_shape = {3, 2};
  std::vector<double> x = {0, 1, 2, 3, 4, 5};
  std::vector<int64_t> y_shape = {3};
  std::vector<int64_t> y = {0, 1, 2};
  bool y_real = false;
  bool x_int = false;
  int64_t version = 1;
  std::string format = "hessian-data";

  void write(const std::string& path) const {
    h5::File f = h5::File::create(path);
    f.set_attr("format", format);
    f.set_attr("version", version);
    if (x_int) {
      const std::vector<int64_t> xi(x.begin(), x.end());
      f.create_dataset<int64_t>("X", x_shape, xi.data());
    } else {
      f.create_dataset<double>("X", x_shape, x.data());
    }
    if (y_real) {
      const std::vector<double> yr(y.begin(), y.end());
      f.create_dataset<double>("y", y_shape, yr.data());
    } else {
      f.create_dataset<int64_t>("y", y_shape, y.data());
    }
    f.close();
  }
};

std::string error_of(const std::string& path, const RawData& raw) {
  raw.write(path);
  return error_message<FileError>([&] { read_data(path); });
}

}  // namespace

TEST_CASE("labels and targets round-trip bit-exactly with their provenance") {
  ScratchDir dir;
  const std::string p = dir.file("d.h5");
  const Dataset d = labelled(7);
  write_data(p, d, {"tests", "none"});
  CHECK_FALSE(temporary_left(p));
  const DataFile r = read_data_file(p);
  CHECK(r.data.sample_shape == d.sample_shape);
  CHECK(r.data.size() == 7);
  CHECK(std::memcmp(r.data.x.data(), d.x.data(), d.x.size() * sizeof(float)) == 0);
  CHECK(r.data.labels == d.labels);
  CHECK(r.data.targets.empty());
  CHECK(r.provenance.source == "tests");
  CHECK(r.provenance.preprocessing == "none");

  Dataset t;
  t.sample_shape = {2};
  t.x = {1, 2, 3, 4, 5, 6};
  t.target_dim = 2;
  t.targets = {0.25f, -1e-30f, 3, 4, 5, std::numeric_limits<float>::max()};
  write_data(p, t, {"t", ""});
  const Dataset rt = read_data(p);
  CHECK(rt.target_dim == 2);
  CHECK(std::memcmp(rt.targets.data(), t.targets.data(), t.targets.size() * sizeof(float)) == 0);
  CHECK(rt.labels.empty());
}

TEST_CASE("writing an inconsistent data set is a caller mistake") {
  ScratchDir dir;
  Dataset d = labelled(3);
  d.labels.pop_back();
  CHECK_THROWS_AS(write_data(dir.file("d.h5"), d, {}), std::invalid_argument);
  CHECK_FALSE(temporary_left(dir.file("d.h5")));
}

TEST_CASE("float64 X and unsigned labels, as other tools write them, are read") {
  ScratchDir dir;
  const std::string p = dir.file("d.h5");
  {
    h5::File f = h5::File::create(p);
    f.set_attr("format", "hessian-data");
    f.set_attr("version", int64_t{1});
    const std::vector<double> x = {0.5, 1.5, 2.5, 3.5};
    f.create_dataset<double>("X", {2, 2}, x.data());
    const std::vector<float> y = {1, 0};
    f.create_dataset<float>("y", {2, 1}, y.data());
    f.close();
  }
  const Dataset d = read_data(p);
  CHECK(d.x == std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f});
  CHECK(d.target_dim == 1);
  CHECK(d.targets == std::vector<float>{1, 0});
}

TEST_CASE("bad data files: each fault is one error naming the file") {
  ScratchDir dir;
  const std::string p = dir.file("d.h5");

  CHECK(error_message<FileError>([&] { read_data(p); }) == p + ": no such file");
  write_bytes(p, "X,y\n1,2\n");
  CHECK(error_message<FileError>([&] { read_data(p); }) == p + ": not an HDF5 file");
  // A file of another kind is never replaced by a data file.
  CHECK(error_message<FileError>([&] {
          write_data(p, labelled(50), {"s", "p"});
        }) ==
        p + ": exists and is not an HDF5 file; only a 'hessian-data' file is replaced, so it is "
            "left as it is");
  CHECK(read_bytes(p) == "X,y\n1,2\n");
  std::remove(p.c_str());

  write_data(p, labelled(50), {"s", "p"});
  truncate_file(p, static_cast<int64_t>(read_bytes(p).size()) - 100);
  CHECK(error_message<FileError>([&] {
          read_data(p);
        }).rfind(p + ": cannot open the HDF5 file, it is damaged or truncated", 0) == 0);

  RawData raw;
  raw.format = "hessian-model";
  CHECK(error_of(p, raw) ==
        p + ": is a 'hessian-model' file, not a data file (format \"hessian-data\")");
  raw = RawData();
  raw.version = 3;
  CHECK(error_of(p, raw) == p + ": unknown data format version 3 (this engine reads 1)");
  raw = RawData();
  raw.x_int = true;
  CHECK(error_of(p, raw) == p + ": X has dtype int64, expected float32");
  raw = RawData();
  raw.x_shape = {};
  raw.x = {1};
  CHECK(error_of(p, raw) == p + ": X is a scalar; expected [N, sample...]");
  raw = RawData();
  raw.y_real = true;
  CHECK(error_of(p, raw) ==
        p + ": y holds reals of shape [3]; real targets are [N, k] (class labels are integers)");
  raw = RawData();
  raw.y_shape = {3, 1};
  CHECK(error_of(p, raw) == p + ": y holds integers of shape [3, 1]; class labels are [N]");
  raw = RawData();
  raw.y_shape = {2};
  raw.y = {0, 1};
  CHECK(error_of(p, raw) == p + ": y has shape [2] but X holds 3 samples");
  raw = RawData();
  raw.x[3] = std::nan("");
  CHECK(error_of(p, raw) == p + ": X holds NaN in sample 1");
  raw = RawData();
  raw.x[5] = -std::numeric_limits<double>::infinity();
  CHECK(error_of(p, raw) == p + ": X holds Inf in sample 2");
  raw = RawData();
  raw.x[5] = 1e300;  // beyond float32: becomes Inf when read as float32
  CHECK(error_of(p, raw) == p + ": X holds Inf in sample 2");
  raw = RawData();
  raw.y = {0, -1, 2};
  CHECK(error_of(p, raw) == p + ": y holds the negative label -1 in sample 1");
  raw = RawData();
  raw.x_shape = {0, 2};
  raw.x = {};
  raw.y_shape = {0};
  raw.y = {};
  CHECK(error_of(p, raw) == p + ": X holds no samples");

  {
    h5::File f = h5::File::create(p);
    f.set_attr("format", "hessian-data");
    f.set_attr("version", int64_t{1});
    const std::vector<float> x = {1, 2};
    f.create_dataset<float>("X", {2, 1}, x.data());
    f.create_strings("y", {"cat", "dog"});
    f.close();
  }
  CHECK(error_message<FileError>([&] { read_data(p); }) ==
        p + ": y has dtype string; expected int64 labels [N] or float32 targets [N, k]");
  {
    h5::File f = h5::File::open_write(p);
    f.remove("y");
    f.close();
  }
  CHECK(error_message<FileError>([&] { read_data(p); }) == p + ": no dataset '/y'");
}

TEST_CASE("a file on which the HDF5 library crashes is an error, not a crash") {
  // Found by fuzz_data_file: a string attribute whose global heap entry declares an absurd length;
  // HDF5 1.10 memcpy()s it and dies with SIGSEGV when read in-process. Reading runs in a child.
  const std::string p =
      std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/data-global-heap-segfault.h5";
  CHECK(error_message<FileError>([&] {
          read_data(p);
        }).rfind(p + ": the HDF5 library failed on it (signal ", 0) == 0);
}
