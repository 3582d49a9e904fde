// The command line against a hostile user (issue 12): a full disk, signals, absurd sizes, numeric
// flags that are not numbers, hangs, and damaged progress files. Every case runs the real program,
// bounded in time (support/confined_run.h kills it), memory (ulimit -v) and disk (a small tmpfs).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "io/hdf5_file.h"
#include "support/confined_run.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = std::string(HESS_SOURCE_DIR) + "/data/digits-mlp.h5";
const std::string kData = std::string(HESS_SOURCE_DIR) + "/data/digits.h5";

// Disk for the full-disk cases: room for the files put there first, then filled up.
constexpr int64_t kSmallDisk = 256 * 1024;
// Free disk for a run that can create its files but not write its arrays (6 vectors: 116 kB).
constexpr int64_t kRoomToStart = 40 * 1024;
// An address-space limit under which the refusals below must still be clean.
constexpr int64_t kTwoGiB = int64_t{2} << 30;
// A run that should end within this (a hang otherwise).
constexpr double kHangSeconds = 60;
// Log bytes allowed for a run of 10^12 steps stopped after a second or so.
constexpr int64_t kGrowingLogBytes = 4 << 20;

bool has_temporary(const std::map<std::string, std::string>& files) {
  for (const auto& [name, bytes] : files) {
    if (name.find(".partial.") != std::string::npos || name.ends_with(".lock")) return true;
  }
  return false;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::vector<double> landscape_loss(const std::string& file) {
  const h5::File f = h5::File::open_read(file);
  return f.group("landscape").dataset("train_loss").read<double>();
}

void wait_for(const std::string& path) {
  for (int k = 0; k < 4000 && !file_exists(path); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

TEST_CASE(
    "a full disk: one line naming the file, exit 1, nothing half-written, the old file kept") {
  ScratchDir dir;
  const CliRun first = run_hessian({"trace", "--model", kModel, "--data", kData, "--probes", "8",
                                    "--min-probes", "8", "--out", dir.file("old.h5"), "--quiet"},
                                   dir.path());
  REQUIRE(first.code == 0);
  const std::string old = read_bytes(dir.file("old.h5"));
  Confinement c;
  c.disk_bytes = kSmallDisk;
  c.fill_disk = true;

  SUBCASE("eigen appending to an existing result file") {
    c.disk_files = {{dir.file("old.h5"), "r.h5"}};
    const ConfinedRun r = run_confined(
        {"eigen", "--model", kModel, "--data", kData, "--k", "2", "--out", "disk/r.h5", "--quiet"},
        dir.path(), c);
    CAPTURE(r.err);
    CHECK(r.signal == 0);
    CHECK(r.code == 1);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, "disk/r.h5: no space left on device (nothing written)"));
    CHECK(r.disk.at("r.h5") == old);
    CHECK_FALSE(has_temporary(r.disk));
  }
  SUBCASE("eigen saving its vectors: no room at all, or room for its temporary but not its data") {
    // With room to start, the run used to die with SIGSEGV in HDF5's cleanup at exit.
    for (const int64_t free_bytes : {int64_t{0}, kRoomToStart}) {
      CAPTURE(free_bytes);
      c.leave_free = free_bytes;
      const ConfinedRun r = run_confined({"eigen", "--model", kModel, "--data", kData, "--k", "6",
                                          "--save-vectors", "--out", "disk/e.h5", "--quiet"},
                                         dir.path(), c);
      CAPTURE(r.err);
      CHECK(r.signal == 0);
      CHECK(r.code == 1);
      CHECK(is_one_error_line(r));
      CHECK(contains(r.err, "disk/e.h5: no space left on device"));
      CHECK(r.disk.empty());
    }
  }
  SUBCASE("a landscape: its progress file's size is known before the work") {
    const ConfinedRun r =
        run_confined({"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:21", "--y",
                      "-1:1:21", "--samples", "100", "--out", "disk/l.h5", "--quiet"},
                     dir.path(), c);
    CAPTURE(r.err);
    CHECK(r.signal == 0);
    CHECK(r.code == 2);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, "--y (a grid of 441 points) needs 14 kB of disk beside disk/l.h5"));
    CHECK(r.disk.empty());
    CHECK_FALSE(has_temporary(r.disk));
  }
  SUBCASE("training checkpoints") {
    const ConfinedRun r =
        run_confined({"train", "--model", kModel, "--data", kData, "--steps", "40",
                      "--checkpoint-every", "10", "--out", "disk/run", "--quiet"},
                     dir.path(), c);
    CAPTURE(r.err);
    CHECK(r.signal == 0);
    CHECK(r.code == 1);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, "no space left on device"));
  }
}

TEST_CASE("SIGTERM and SIGINT: one line, exit 1, no temporary, the result file as it was") {
  ScratchDir dir;
  const std::string out = dir.file("r.h5");
  REQUIRE(run_hessian(
              {"eigen", "--model", kModel, "--data", kData, "--k", "1", "--out", out, "--quiet"},
              dir.path())
              .code == 0);
  const std::string before = read_bytes(out);
  for (const int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    const std::vector<std::string> args =
        sig == SIGTERM
            ? std::vector<std::string>{"trace", "--model",  kModel,    "--data", kData, "--rtol",
                                       "0",     "--probes", "1000000", "--out",  out,   "--quiet"}
            : std::vector<std::string>{"density", "--model", kModel,  "--data", kData,
                                       "--runs",  "100000",  "--out", out,      "--quiet"};
    const pid_t pid = start_hessian(args, dir.path());
    wait_for(out + ".lock");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, sig);
    const CliRun r = finish_hessian(pid, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 1);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, std::string("interrupted by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                              ": nothing written"));
    CHECK(read_bytes(out) == before);
    CHECK_FALSE(temporary_left(out));
  }
}

TEST_CASE("absurd sizes and numbers are refused before any work, naming the flag") {
  ScratchDir dir;
  Confinement c;
  c.address_space = kTwoGiB;
  c.seconds = kHangSeconds;
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"info", "--arch", "mlp:784-10000000-10"}, "--arch 'mlp:784-10000000-10': more than"},
      {{"info", "--arch", "cnn:1x100000x100000-c8k3-pool2-10"},
       "--arch 'cnn:1x100000x100000-c8k3-pool2-10': more than"},
      {{"roughness", "--model", kModel, "--data", kData, "--points", "1000000000"},
       "--points 1000000000 (with 100 directions) needs"},
      {{"landscape", "--model", kModel, "--data", kData, "--x", "0:1:100000", "--y", "0:1:100000"},
       "--y (a grid of 10000000000 points) needs"},
      {{"trace", "--model", kModel, "--data", kData, "--samples", "1000000000"},
       "--samples 1000000000 is more than the 1797 samples"},
      {{"trace", "--arch", "mlp:64-10", "--samples", "1000000000"},
       "--samples 1000000000 synthetic samples of arch:mlp:64-10 needs"},
      {{"trace", "--model", kModel, "--data", kData, "--threads", "10000"},
       "--threads 10000 is more than"},
      {{"trace", "--model", kModel, "--data", kData, "--rtol", "nan"},
       "--rtol must be a finite number, got 'nan'"},
      {{"train", "--model", kModel, "--data", kData, "--lr", "inf"},
       "--lr must be a finite number, got 'inf'"},
      {{"train", "--model", kModel, "--data", kData, "--seed", "-1"}, "--seed '-1'"},
      // 100 TiB: more than any machine's memory, with or without the address-space limit.
      {{"eigen", "--model", kModel, "--data", kData, "--memory", "100000000"},
       "--memory 100000000 (MiB of kept passes) needs"},
      {{"eigen", "--model", kModel, "--data", kData, "--memory", "-1"}, "--memory '-1'"},
      {{"trace", "--model", kModel, "--data", kData, "--out", ""}, "--out is empty"},
      {{"report", "--model", kModel, "--data", kData, "--report", ""}, "--report is empty"},
      {{"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:3", "--y", "-1:1:3", "--vtk",
        ""},
       "--vtk is empty"},
      {{"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:3", "--surface", ""},
       "--surface is empty"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.args);
    const ConfinedRun r = run_confined(k.args, dir.path(), c);
    CAPTURE(r.err);
    CHECK_FALSE(r.timed_out);
    CHECK(r.code == 2);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, k.says));
    CHECK(list_files(dir.path()).empty());
  }
}

TEST_CASE("an output naming a file of another kind is refused before the work, the file kept") {
  ScratchDir dir;
  const std::string model = dir.file("m.h5");
  write_bytes(model, read_bytes(kModel));
  const std::string original = read_bytes(model);
  // A model named where a landscape's surface's direction file goes: STEM.dirs.h5.
  write_bytes(dir.file("s.dirs.h5"), original);
  write_bytes(dir.file("t.csv"), "1,2,0\n3,4,1\n");
  const std::vector<std::vector<std::string>> cases = {
      {"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:5", "--y", "-1:1:5", "--vtk",
       model, "--out", "r.h5"},
      {"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:5", "--surface", model,
       "--out", "r.h5"},
      {"landscape", "--model", kModel, "--data", kData, "--x", "-1:1:5", "--surface", "s.h5",
       "--out", "r.h5"},
      {"report", "--model", kModel, "--data", kData, "--report", model, "--out", "r.h5"},
      {"import", "--csv", "t.csv", "--out", model},
  };
  for (const auto& args : cases) {
    CAPTURE(args);
    const CliRun r = run_hessian(args, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 1);
    CHECK(is_one_error_line(r));
    CHECK(contains(r.err, "is a 'hessian-model' file"));
    CHECK(read_bytes(model) == original);
    CHECK(read_bytes(dir.file("s.dirs.h5")) == original);
    CHECK_FALSE(file_exists(dir.file("r.h5")));
    CHECK_FALSE(file_exists(dir.file("s.h5")));
  }
}

TEST_CASE("a FIFO as --out and a second landscape on a --out being written: refused at once") {
  ScratchDir dir;
  Confinement c;
  c.seconds = kHangSeconds;
  REQUIRE(mkfifo(dir.file("fifo").c_str(), 0644) == 0);
  const ConfinedRun fifo = run_confined(
      {"eigen", "--model", kModel, "--data", kData, "--k", "1", "--out", "fifo"}, dir.path(), c);
  CAPTURE(fifo.err);
  CHECK_FALSE(fifo.timed_out);  // it used to block forever opening the FIFO
  CHECK(fifo.code == 1);
  CHECK(is_one_error_line(fifo));
  CHECK(contains(fifo.err, "fifo: is not a regular file"));

  const std::vector<std::string> grid = {"landscape", "--model", kModel,           "--data",
                                         kData,       "--x",     "-1:1:201",       "--y",
                                         "-1:1:201",  "--out",   dir.file("l.h5"), "--quiet"};
  ScratchDir other;  // the second run's own folder for its captured output
  const pid_t first = start_hessian(grid, dir.path());
  wait_for(dir.file("l.h5.lock"));
  const CliRun second = run_hessian(grid, other.path());
  kill(first, SIGTERM);
  const CliRun stopped = finish_hessian(first, dir.path());
  CAPTURE(second.err);
  CHECK(second.code == 1);
  CHECK(is_one_error_line(second));
  CHECK(contains(second.err, "l.h5: is being written by process"));  // not "damaged"
  CHECK(stopped.code == 1);
}

TEST_CASE("a block count of 12,000 builds in linear time (no hang)") {
  ScratchDir dir;
  Confinement c;
  c.seconds = kHangSeconds;
  const ConfinedRun r =
      run_confined({"info", "--arch", "resnet:1x8x8-w16-b12000-10"}, dir.path(), c);
  CHECK_FALSE(r.timed_out);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "layer1.11999.conv2.weight"));
}

TEST_CASE("a training log grows with the run, not pre-filled for all its steps") {
  ScratchDir dir;
  const std::string run = dir.file("run");
  const pid_t pid = start_hessian({"train", "--model", kModel, "--data", kData, "--steps",
                                   "1000000000000", "--out", run, "--quiet"},
                                  dir.path());
  wait_for(run + "/train_log.h5");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  kill(pid, SIGTERM);
  const CliRun r = finish_hessian(pid, dir.path());
  CHECK(r.code == 1);
  CHECK(contains(r.err, "interrupted by SIGTERM at step"));
  struct stat st;
  REQUIRE(stat((run + "/train_log.h5").c_str(), &st) == 0);
  CHECK(st.st_size < kGrowingLogBytes);
  const h5::File log = h5::File::open_read(run + "/train_log.h5");
  CHECK(log.dataset("step").count() == log.int_attr("steps_done"));
}

TEST_CASE("a damaged landscape progress file is set aside and the run gives the true surface") {
  ScratchDir dir;
  const auto grid = [&](const std::string& out) {
    return std::vector<std::string>{
        "landscape", "--model",   kModel, "--data", kData, "--x",       "-1:1:81", "--y",
        "-1:1:81",   "--samples", "600",  "--out",  out,   "--threads", "2",       "--quiet"};
  };
  const std::string ref = dir.file("ref.h5"), out = dir.file("r.h5");
  REQUIRE(run_hessian(grid(ref), dir.path()).code == 0);
  const std::vector<double> truth = landscape_loss(ref);

  const std::string progress = out + ".progress.partial";
  const pid_t pid = start_hessian(grid(out), dir.path());
  wait_for(progress);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGTERM);
  REQUIRE(finish_hessian(pid, dir.path()).code == 1);
  REQUIRE(file_exists(progress));
  const std::string saved = read_bytes(progress);
  const int64_t size = static_cast<int64_t>(saved.size());

  // Bytes flipped all over the file (header, metadata, directions, arrays) and truncations.
  std::vector<std::string> damaged;
  constexpr int kFlips = 10;
  for (int i = 1; i <= kFlips; ++i) {
    std::string d = saved;
    d[static_cast<size_t>(size * i / (kFlips + 1))] ^= 0x5a;
    damaged.push_back(d);
  }
  for (const int64_t keep : {size / 2, size / 4, int64_t{4096}})
    damaged.push_back(saved.substr(0, keep));
  damaged.push_back("");

  int set_aside = 0;
  for (size_t i = 0; i < damaged.size(); ++i) {
    CAPTURE(i);
    std::remove(out.c_str());
    std::remove((progress + ".damaged").c_str());
    write_bytes(progress, damaged[i]);
    const CliRun r = run_hessian(grid(out), dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    CHECK(landscape_loss(out) == truth);
    CHECK_FALSE(file_exists(progress));
    if (file_exists(progress + ".damaged")) {
      ++set_aside;
      CHECK(read_bytes(progress + ".damaged") == damaged[i]);
      CHECK(contains(r.err, "moved to " + progress + ".damaged, starting afresh"));
    }
  }
  MESSAGE(set_aside << " of " << damaged.size() << " damaged progress files were set aside");
  CHECK(set_aside > 0);
}

TEST_CASE("an existing --out that crashes the HDF5 library: one line, exit 1, the file as it was") {
  // Found by fuzz_result_file (tests/data/hostile/result-global-heap-segfault.h5): `landscape`
  // read an existing result file in process and died of SIGSEGV inside HDF5; every command now
  // reads it in a child process.
  ScratchDir dir;
  const std::string hostile =
      std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/result-global-heap-segfault.h5";
  const std::string bytes = read_bytes(hostile);
  const std::vector<std::vector<std::string>> commands = {
      {"landscape", "--x", "-1:1:3"}, {"eigen", "--k", "1"}, {"trace", "--probes", "4"}};
  for (std::vector<std::string> args : commands) {
    CAPTURE(args[0]);
    const std::string out = dir.file("r.h5");
    write_bytes(out, bytes);
    args.insert(args.end(),
                {"--model", kModel, "--data", kData, "--samples", "32", "--out", out, "--quiet"});
    const CliRun r = run_hessian(args, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 1);
    CHECK(r.err.starts_with("hessian: error: " + out + ": "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(read_bytes(out) == bytes);
    int files = 0;  // r.h5 only: no temporary or lock left
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.exists();
    CHECK(files == 1);
  }
}
