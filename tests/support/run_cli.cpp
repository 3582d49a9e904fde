#include "support/run_cli.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <stdexcept>

#include "support/scratch_dir.h"

namespace hess::test {

namespace {

[[noreturn]] void exec_program(std::vector<std::string> argv_strings) {
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

// The program's command line: `hessian ARGS`, or `mpirun ... -np N hessian ARGS` for ranks > 0.
std::vector<std::string> command_line(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (ranks > 0) {
#ifdef HESS_MPIEXEC
    // -q: mpirun adds no banner to the program's one-line error.
    argv = {HESS_MPIEXEC, "-q",  "--oversubscribe",    "--allow-run-as-root", "--bind-to",
            "none",       "-np", std::to_string(ranks)};
#else
    throw std::logic_error("a build without HESS_WITH_MPI has no mpirun");
#endif
  }
  argv.push_back(HESS_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

pid_t start_program(const std::vector<std::string>& argv, const std::string& workdir) {
  const std::string out_path = workdir + "/.stdout", err_path = workdir + "/.stderr";
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || chdir(workdir.c_str()) != 0) _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    exec_program(argv);
  }
  return pid;
}

}  // namespace

void exec_hessian(const std::vector<std::string>& args) {
  exec_program(command_line(0, args));
}

pid_t start_hessian(const std::vector<std::string>& args, const std::string& workdir) {
  return start_program(command_line(0, args), workdir);
}

pid_t start_hessian_ranks(int ranks, const std::vector<std::string>& args,
                          const std::string& workdir) {
  return start_program(command_line(ranks, args), workdir);
}

CliRun run_mpirun(const std::vector<std::string>& mpirun_args, const std::string& workdir) {
  std::vector<std::string> argv = command_line(1, {});
  argv.resize(argv.size() - 3);  // no "-np 1 hessian"
  argv.insert(argv.end(), mpirun_args.begin(), mpirun_args.end());
  return finish_hessian(start_program(argv, workdir), workdir);
}

std::string hessian_binary() {
  return HESS_BINARY;
}

CliRun run_hessian_ranks(int ranks, const std::vector<std::string>& args,
                         const std::string& workdir) {
  return finish_hessian(start_hessian_ranks(ranks, args, workdir), workdir);
}

CliRun finish_hessian(pid_t pid, const std::string& workdir) {
  const std::string out_path = workdir + "/.stdout", err_path = workdir + "/.stderr";
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_bytes(out_path);
  r.err = read_bytes(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

CliRun run_hessian(const std::vector<std::string>& args, const std::string& workdir) {
  return finish_hessian(start_hessian(args, workdir), workdir);
}

bool is_one_error_line(const CliRun& r) {
  return r.err.rfind("hessian: error: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

std::string bundled_sample(const std::string& name) {
  return std::string(HESS_SOURCE_DIR) + "/data/" + name;
}

double json_field(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\": ";
  const size_t at = json.find(k);
  if (at == std::string::npos) throw std::runtime_error("no key '" + key + "' in the JSON output");
  if (json.compare(at + k.size(), 4, "null") == 0) return std::nan("");
  return std::stod(json.substr(at + k.size()));
}

int json_key_count(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\": ";
  int n = 0;
  for (size_t at = json.find(k); at != std::string::npos; at = json.find(k, at + k.size())) ++n;
  return n;
}

}  // namespace hess::test
