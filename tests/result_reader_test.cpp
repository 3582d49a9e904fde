// Reading result files (io/result_reader): files written by other tools (h5py-style integer
// datasets, fixed-length strings), and the errors for files that are not result files.
#include <doctest/doctest.h>

#include "io/file_error.h"
#include "io/result_reader.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

// A new file with a result file's root attributes (format, version) and nothing else yet.
h5::File new_result_file(const std::string& path) {
  h5::File f = h5::File::create(path);
  f.set_attr("format", kResultFormat);
  f.set_attr("version", kResultFormatVersion);
  return f;
}

}  // namespace

TEST_CASE("integer datasets read as numbers; metadata missing is named") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    h5::File f = new_result_file(p);
    h5::Group g = f.create_group("custom");
    const std::vector<int64_t> counts = {1, 2, 3, 4, 5, 6};
    g.create_dataset<int64_t>("counts", {2, 3}, counts.data());
    g.create_strings("labels", {"x", "y"});
    f.close();
  }
  ResultReader r(p);
  const ResultGroupView g = r.group("custom");
  const ResultArray a = g.array("counts");
  CHECK(a.shape == Shape{2, 3});
  CHECK(a.values == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(g.ints("counts") == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(error_message<FileError>([&] { g.ints("labels"); }) ==
        p + ": '/custom/labels' has dtype string, expected integers");
  CHECK(error_message<FileError>([&] { g.metadata(); }) ==
        p + ": /custom has no attribute 'engine_version'");
  CHECK(error_message<FileError>([&] { r.group("eigen"); }) == p + ": no group '/eigen'");
}

TEST_CASE("files that are not result files are refused") {
  ScratchDir dir;
  const std::string missing = dir.file("none.h5");
  CHECK(error_message<FileError>([&] { ResultReader r(missing); }) == missing + ": no such file");
  const std::string p = dir.file("r.h5");
  {
    h5::File f = h5::File::create(p);
    f.set_attr("format", kResultFormat);
    f.set_attr("version", int64_t{7});
    f.close();
  }
  CHECK(error_message<FileError>([&] { ResultReader r(p); }) ==
        p + ": unknown result format version 7 (this engine reads 1)");
  const std::string q = dir.file("q.h5");
  h5::File::create(q).close();
  CHECK(error_message<FileError>([&] { ResultReader r(q); }) ==
        q + ": not a result file (no 'format' attribute)");
}

TEST_CASE(
    "ResultReader::isolated reads the same groups, and a file that crashes HDF5 is an error") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    h5::File f = new_result_file(p);
    h5::Group g = f.create_group("custom");
    const std::vector<double> v = {1.5, -2, 3};
    g.create_dataset<double>("values", {3}, v.data());
    g.set_attr("note", "kept");
    f.create_group("other");
    f.close();
  }
  const ResultReader r = ResultReader::isolated(p);
  CHECK(r.groups() == std::vector<std::string>{"custom", "other"});
  CHECK(r.group("custom").values("values") == std::vector<double>{1.5, -2, 3});
  CHECK(r.group("custom").h5().string_attr("note") == "kept");
  const std::string q = dir.file("q.h5");
  h5::File::create(q).close();
  CHECK(error_message<FileError>([&] { ResultReader::isolated(q); }) ==
        q + ": not a result file (no 'format' attribute)");

  // Found by fuzz_result_file: a result file whose global heap makes HDF5 1.10 read out of bounds
  // (SIGSEGV in H5HG_read) when an attribute of /landscape is read or copied.
  const std::string hostile =
      std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/result-global-heap-segfault.h5";
  CHECK(error_message<FileError>([&] {
          ResultReader::isolated(hostile);
        }).starts_with(hostile + ": the HDF5 library failed on it (signal "));
}
