// Result files (io/result_file): bit-exact round trips of arrays, attributes and metadata; groups
// replaced and kept across runs; atomic commits that leave NAME untouched on failure; resumable
// progress that survives an interruption (a child process killed mid-run).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/file_error.h"
#include "io/result_file.h"
#include "io/result_reader.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr size_t kSmallFileOverhead = 1 << 20;  // HDF5's structures in a copy, at most

ResultMetadata meta(double seconds = 1.5) {
  ResultMetadata m;
  m.command_line = "hessian eigen --model 'm.h5' --k 5";
  m.model_sha256 = std::string(64, 'a');
  m.data_sha256 = std::string(64, 'b');
  m.seed = std::numeric_limits<uint64_t>::max() - 2;  // beyond int64
  m.precision = "f32";
  m.threads = 2;
  m.samples = 1000;
  m.hvps = 123;
  m.seconds = seconds;
  m.batches = 40;
  m.compute_batch = 9;
  m.kept_batches = 38;
  m.kept_bytes = int64_t{3} << 33;  // beyond int32
  m.reused_passes = 76;
  return m;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

std::vector<double> ramp(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(1.0 + static_cast<double>(i)) / 3.0;
  return v;
}

}  // namespace

TEST_CASE("arrays of any rank, attributes of every type and the metadata round-trip bit-exactly") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  const std::vector<double> ev = {-1.0 / 3.0, 0.0, std::numeric_limits<double>::denorm_min(),
                                  1e300};
  const std::vector<double> cube = ramp(2 * 3 * 4, 7.0);
  {
    ResultFile rf(p);
    ResultGroup& g = rf.group("eigen");
    g.write("eigenvalues", ev);
    g.write("cube", cube.data(), {2, 3, 4});
    g.write("iterations", std::vector<int64_t>{3, -4, std::numeric_limits<int64_t>::min()});
    g.write("blocks", std::vector<std::string>{"fc1.weight", "fc1.bias", ""});
    g.attr("k", 5);
    g.attr("tolerance", 1e-9);
    g.attr("which", "top");
    g.attr("sizes", std::vector<int64_t>{1, 2});
    g.attr("grid", std::vector<double>{-0.5, 0.5});
    g.attr("names", std::vector<std::string>{"a", "b"});
    CHECK(temporary_left(p));
    CHECK_FALSE(file_exists(p));
    rf.commit(meta());
  }
  CHECK_FALSE(temporary_left(p));
  ResultReader r(p);
  REQUIRE(r.groups() == std::vector<std::string>{"eigen"});
  const ResultGroupView g = r.group("eigen");
  CHECK(g.datasets() == std::vector<std::string>{"blocks", "cube", "eigenvalues", "iterations"});
  CHECK(same_bits(g.values("eigenvalues"), ev));
  const ResultArray c = g.array("cube");
  CHECK(c.shape == Shape{2, 3, 4});
  CHECK(same_bits(c.values, cube));
  CHECK(g.ints("iterations") == std::vector<int64_t>{3, -4, std::numeric_limits<int64_t>::min()});
  CHECK(g.strings("blocks") == std::vector<std::string>{"fc1.weight", "fc1.bias", ""});
  CHECK(g.h5().int_attr("k") == 5);
  CHECK(g.h5().real_attr("tolerance") == 1e-9);
  CHECK(g.h5().string_attr("which") == "top");
  CHECK(g.h5().ints_attr("sizes") == std::vector<int64_t>{1, 2});
  CHECK(std::get<std::vector<double>>(g.h5().attr("grid")) == std::vector<double>{-0.5, 0.5});
  CHECK(g.h5().strings_attr("names") == std::vector<std::string>{"a", "b"});
  const ResultMetadata m = g.metadata();
  const ResultMetadata want = meta();
  CHECK(m.engine_version == HESS_VERSION);
  CHECK(m.command_line == want.command_line);
  CHECK(m.model_sha256 == want.model_sha256);
  CHECK(m.data_sha256 == want.data_sha256);
  CHECK(m.seed == want.seed);
  CHECK(m.precision == "f32");
  CHECK(m.threads == 2);
  CHECK(m.samples == 1000);
  CHECK(m.hvps == 123);
  CHECK(m.seconds == 1.5);
  CHECK(m.batches == 40);
  CHECK(m.compute_batch == 9);
  CHECK(m.kept_batches == 38);
  CHECK(m.kept_bytes == int64_t{3} << 33);
  CHECK(m.reused_passes == 76);
  CHECK(m.batchnorm == "running statistics (eval)");
}

TEST_CASE("rerunning an analysis replaces its group and keeps the others") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    ResultFile rf(p);
    rf.group("eigen").write("eigenvalues", std::vector<double>{3, 2, 1});
    rf.group("trace").write("estimate", std::vector<double>{10});
    rf.commit(meta(1));
  }
  {
    ResultFile rf(p);
    ResultGroup& g = rf.group("eigen");
    g.write("eigenvalues", std::vector<double>{5, 4});
    g.attr("k", 2);
    rf.commit(meta(2));
  }
  ResultReader r(p);
  CHECK(r.groups() == std::vector<std::string>{"eigen", "trace"});
  CHECK(r.group("eigen").values("eigenvalues") == std::vector<double>{5, 4});
  CHECK(r.group("eigen").metadata().seconds == 2);
  CHECK(r.group("trace").values("estimate") == std::vector<double>{10});
  CHECK(r.group("trace").metadata().seconds == 1);
  CHECK_FALSE(r.group("trace").h5().has_attr("k"));
}

TEST_CASE("a run that fails before commit leaves NAME as it was and no partial file") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    ResultFile rf(p);
    rf.group("eigen").write("eigenvalues", std::vector<double>{1});
    rf.commit(meta());
  }
  const std::string before = read_bytes(p);
  CHECK_THROWS_AS(
      [&] {
        ResultFile rf(p);
        rf.group("eigen").write("eigenvalues", std::vector<double>{2, 3});
        throw std::runtime_error("the analysis failed");
      }(),
      std::runtime_error);
  CHECK(read_bytes(p) == before);
  CHECK_FALSE(temporary_left(p));
  CHECK_FALSE(file_exists(progress_path_of(p)));
}

TEST_CASE("a file that exists and is not a result file is never replaced") {
  ScratchDir dir;
  const std::string text = dir.file("notes.h5");
  write_bytes(text, "my notes\n");
  CHECK(error_message<FileError>([&] { ResultFile rf(text); }) ==
        text +
            ": exists and is not an HDF5 file; only a 'hessian-results' file is replaced, so it is "
            "left as it is");
  CHECK(read_bytes(text) == "my notes\n");
  CHECK_FALSE(temporary_left(text));

  const std::string other = dir.file("data.h5");
  {
    h5::File f = h5::File::create(other);
    f.set_attr("format", "hessian-data");
    f.close();
  }
  CHECK(error_message<FileError>([&] { ResultFile rf(other); }) ==
        other +
            ": exists and is a 'hessian-data' file; only a 'hessian-results' file is replaced, so "
            "it is left as it is");
}

TEST_CASE("a damaged result file given as the output is an error or added to, never a crash") {
  // Single bytes of a valid result file flipped at seeded positions: each run either refuses the
  // file (FileError, the file as it was) or adds its group; the process itself never faults,
  // because the existing file is read in a child (io/isolated_read.h).
  ScratchDir dir;
  const std::string good = dir.file("good.h5");
  {
    ResultFile rf(good);
    rf.group("eigen").write("eigenvalues", std::vector<double>{3, 2, 1});
    rf.group("trace").attr("trace", 6.0);
    rf.commit(meta());
  }
  const std::string bytes = read_bytes(good);
  constexpr int kFlips = 60;
  uint64_t state = 12345;  // a fixed LCG: the same positions every run
  int refused = 0, added = 0;
  for (int k = 0; k < kFlips; ++k) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::string damaged = bytes;
    const size_t at = static_cast<size_t>(state >> 33) % damaged.size();
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    const std::string p = dir.file("flip" + std::to_string(k) + ".h5");
    write_bytes(p, damaged);
    try {
      ResultFile rf(p);
      rf.group("density").attr("runs", 1);
      rf.commit(meta());
      ++added;
      // Added to, the file keeps about its size (a damaged size field once copied to 377 MB).
      CHECK(read_bytes(p).size() < 2 * bytes.size() + kSmallFileOverhead);
    } catch (const FileError& e) {
      CAPTURE(e.what());
      CHECK(std::string(e.what()).starts_with(p + ": "));
      CHECK(read_bytes(p) == damaged);
      ++refused;
    }
    CHECK_FALSE(temporary_left(p));
  }
  CHECK(refused + added == kFlips);
  CHECK(refused > 0);
}

TEST_CASE("a result file whose groups copy to more bytes than it holds is refused") {
  // One bit of a 10,928-byte result file flipped (found by the issue-12 before/after runs): HDF5
  // copied its group into a 377 MB file, and the run exited 0.
  ScratchDir dir;
  const std::string p = dir.file("blowup.h5");
  const std::string bytes =
      read_bytes(std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/result-copy-blowup.h5");
  write_bytes(p, bytes);
  const std::string message = error_message<FileError>([&] { ResultFile rf(p); });
  CHECK(message.starts_with(p + ": exists and is not a result file this engine can add to"));
  CHECK(read_bytes(p) == bytes);
  CHECK_FALSE(temporary_left(p));
}

TEST_CASE("group names are plain and used once per run") {
  ScratchDir dir;
  ResultFile rf(dir.file("r.h5"));
  rf.group("eigen");
  CHECK_THROWS_AS(rf.group("eigen"), std::invalid_argument);
  CHECK_THROWS_AS(rf.group("a/b"), std::invalid_argument);
  CHECK_THROWS_AS(rf.group(""), std::invalid_argument);
  CHECK_THROWS_AS(rf.resumable_group(".partial"), std::invalid_argument);
}

TEST_CASE(
    "progress flushed by a run that is killed is resumed by the next run, and only what is missing "
    "is redone") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  constexpr double kMissing = -1.0;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The interrupted run: three points flushed, then the process dies without any cleanup.
    ResultFile rf(p);
    ResultGroup& g = rf.resumable_group("landscape");
    g.attr("settings", "grid 3x4");
    ProgressArray loss = g.progress("train_loss", {3, 4}, kMissing);
    for (int64_t i : {0, 1, 5}) loss.set(i, 0.5 * static_cast<double>(i));
    loss.flush();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK_FALSE(file_exists(p));
  REQUIRE(file_exists(progress_path_of(p)));

  ResultFile rf(p);
  ResultGroup& g = rf.resumable_group("landscape");
  CHECK(rf.progress_note().empty());
  CHECK(g.resumed());
  CHECK(std::get<std::string>(*g.attr_value("settings")) == "grid 3x4");
  ProgressArray loss = g.progress("train_loss", {3, 4}, kMissing);
  CHECK(loss.reused());
  const std::vector<int64_t> todo = loss.missing();
  CHECK(todo == std::vector<int64_t>{2, 3, 4, 6, 7, 8, 9, 10, 11});
  for (int64_t i : todo) loss.set(i, 0.5 * static_cast<double>(i));
  loss.flush();
  CHECK(loss.missing().empty());
  rf.commit(meta());
  CHECK_FALSE(file_exists(progress_path_of(p)));

  const ResultArray a = ResultReader(p).group("landscape").array("train_loss");
  CHECK(a.shape == Shape{3, 4});
  for (int64_t i = 0; i < 12; ++i) CHECK(a.values[i] == 0.5 * static_cast<double>(i));
}

TEST_CASE("progress of another shape or marker is started afresh; a NaN marker works") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    ResultFile rf(p);
    ProgressArray a = rf.resumable_group("eos").progress("sharpness", {10}, std::nan(""));
    a.set(0, 1.0);
    a.flush();
  }
  {
    ResultFile rf(p);
    ResultGroup& g = rf.resumable_group("eos");
    ProgressArray same = g.progress("sharpness", {10}, std::nan(""));
    CHECK(same.reused());
    CHECK(same.missing().size() == 9);
    ProgressArray other = g.progress("sharpness", {20}, std::nan(""));
    CHECK_FALSE(other.reused());
    CHECK(other.missing().size() == 20);
  }
}

TEST_CASE(
    "another command writing the same file keeps a run's progress; a damaged progress file is "
    "set aside and started afresh") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    ResultFile rf(p);
    ProgressArray a = rf.resumable_group("landscape").progress("train_loss", {4}, -1.0);
    a.set(2, 7.0);
    a.flush();
  }
  {
    ResultFile rf(p);
    rf.group("eigen").write("eigenvalues", std::vector<double>{1});
    rf.commit(meta());
  }
  {
    ResultFile rf(p);
    ResultGroup& g = rf.resumable_group("landscape");
    CHECK(g.resumed());
    CHECK(g.progress("train_loss", {4}, -1.0).values() == std::vector<double>{-1, -1, 7, -1});
  }
  write_bytes(progress_path_of(p), "garbage");
  ResultFile rf(p);
  ResultGroup& g = rf.resumable_group("landscape");
  CHECK_FALSE(g.resumed());
  const std::string aside = progress_path_of(p) + ResultFile::kDamagedSuffix;
  CHECK(rf.progress_note() == progress_path_of(p) + ": damaged (not an HDF5 file); moved to " +
                                  aside + ", starting afresh");
  CHECK(read_bytes(aside) == "garbage");
  rf.commit(meta());
  CHECK(ResultReader(p).groups() == std::vector<std::string>{"eigen", "landscape"});
}
