// Concurrent writers of one result file (io/atomic_output.h, io/file_lock.h), the way users start
// them: 4 `hessian` processes at once, each appending a different analysis to the same --out, for
// 20 rounds. Every process either succeeds, its group then present, or fails at once (exit 1)
// with the lock message; a group once written is never lost; the file always opens; no temporary
// or lock file is left.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "io/result_reader.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr int kRounds = 20;

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");

struct Writer {
  std::string group;
  std::vector<std::string> args;
};

}  // namespace

TEST_CASE("concurrency: four writers of one result file lose nothing") {
  ScratchDir dir;
  const std::string out = dir.file("r.h5");
  const std::vector<std::string> common = {"--model",   kModel,  "--data",    kData,
                                           "--samples", "100",   "--threads", "1",
                                           "--quiet",   "--out", out};
  std::vector<Writer> writers = {
      {"eigen", {"eigen", "--k", "1"}},
      {"trace", {"trace", "--probes", "8"}},
      {"diag", {"diag", "--probes", "4"}},
      {"sharpness", {"sharpness", "--measures", "lambda_max"}},
  };
  for (Writer& w : writers) w.args.insert(w.args.end(), common.begin(), common.end());
  std::vector<std::string> workdirs;
  for (size_t k = 0; k < writers.size(); ++k) {
    std::string name = "w";
    name += std::to_string(k);
    workdirs.push_back(dir.file(name));
    std::filesystem::create_directory(workdirs.back());
  }
  std::set<std::string> written;
  int succeeded = 0, locked = 0;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    std::vector<pid_t> pids;
    for (size_t k = 0; k < writers.size(); ++k)
      pids.push_back(start_hessian(writers[k].args, workdirs[k]));
    for (size_t k = 0; k < writers.size(); ++k) {
      const CliRun r = finish_hessian(pids[k], workdirs[k]);
      CAPTURE(writers[k].group);
      CAPTURE(r.err);
      if (r.code == 0) {
        written.insert(writers[k].group);
        ++succeeded;
      } else {
        CHECK(r.code == 1);
        CHECK(is_one_error_line(r));
        CHECK(r.err.starts_with("hessian: error: " + out + ": is being written by process "));
        ++locked;
      }
    }
    const ResultReader reader(out);
    for (const std::string& g : written) CHECK(reader.has_group(g));
    CHECK_FALSE(temporary_left(out));
  }
  MESSAGE(succeeded << " writes succeeded, " << locked << " refused by the lock");
  CHECK(succeeded >= kRounds);  // the first to take the lock in each round writes
}
