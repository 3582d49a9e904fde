#include "support/run_cli.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/scratch_dir.h"

namespace hess::test {

pid_t start_hessian(const std::vector<std::string>& args, const std::string& workdir) {
  const std::string out_path = workdir + "/.stdout", err_path = workdir + "/.stderr";
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || chdir(workdir.c_str()) != 0) _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    std::string binary = HESS_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
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

}  // namespace hess::test
