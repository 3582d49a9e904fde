#pragma once
// Runs the built `hessian` binary (HESS_BINARY) in a folder and captures what it prints, for the
// command-line tests: exit code, stdout, stderr.
//
//   hess::test::CliRun r = hess::test::run_hessian({"info", "--data", "d.h5"}, dir.path());
//   CHECK(r.code == 1);
//   CHECK(r.err == "hessian: error: d.h5: no such file\n");

#include <sys/types.h>

#include <string>
#include <vector>

namespace hess::test {

struct CliRun {
  int code = -1;  // exit code; -1 when the program did not exit normally (a crash)
  std::string out, err;
};

CliRun run_hessian(const std::vector<std::string>& args, const std::string& workdir);
// Replaces the calling (child) process by the program with `args`; exits 127 when it cannot.
[[noreturn]] void exec_hessian(const std::vector<std::string>& args);

// The same in two halves, to signal the process meanwhile (one at a time per workdir):
//   pid_t pid = hess::test::start_hessian(args, dir.path());
//   kill(pid, SIGTERM);
//   hess::test::CliRun r = hess::test::finish_hessian(pid, dir.path());
pid_t start_hessian(const std::vector<std::string>& args, const std::string& workdir);
CliRun finish_hessian(pid_t pid, const std::string& workdir);

// The same under `mpirun -np RANKS` (builds with HESS_WITH_MPI; mpirun's own notices off, ranks
// may outnumber cores).
pid_t start_hessian_ranks(int ranks, const std::vector<std::string>& args,
                          const std::string& workdir);
CliRun run_hessian_ranks(int ranks, const std::vector<std::string>& args,
                         const std::string& workdir);

// mpirun (with the options above) and `mpirun_args`, e.g. an MPMD line
// {"-np", "1", "-wdir", a, hessian_binary(), ..., ":", "-np", "1", "-wdir", b, hessian_binary(),
// ...}.
CliRun run_mpirun(const std::vector<std::string>& mpirun_args, const std::string& workdir);
std::string hessian_binary();

// Whether stderr is exactly one line `hessian: error: ...`.
bool is_one_error_line(const CliRun& r);
// The path of a file of the bundled sample, data/NAME in the source tree.
std::string bundled_sample(const std::string& name);

// The number after the first `"key": ` in one-line JSON output (`--json`), NaN for null; throws
// std::runtime_error naming the key when it is absent.
double json_field(const std::string& json, const std::string& key);
// How many times `"key": ` occurs (entries of a list of objects carrying that key).
int json_key_count(const std::string& json, const std::string& key);

}  // namespace hess::test
