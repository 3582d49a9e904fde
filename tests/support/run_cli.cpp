#include "support/run_cli.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <stdexcept>

#include "support/scratch_dir.h"

namespace hess::test {

void exec_hessian(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string binary = HESS_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

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
    exec_hessian(args);
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
