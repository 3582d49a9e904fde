#include "support/confined_run.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "support/sanitizer_build.h"
#include "support/scratch_dir.h"

namespace hess::test {

namespace {

constexpr const char* kFiller = ".filler";
constexpr int kSetupFailed = 125;

bool write_text(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// A private mount namespace; through a user namespace mapping us to root when not root.
bool private_mounts() {
  if (unshare(CLONE_NEWNS) == 0)
    return mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
  write_text("/proc/self/setgroups", "deny");
  if (!write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n")) return false;
  if (!write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) return false;
  return mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

void fill(const std::string& path, int64_t leave_free) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  const std::string block(4096, '\0');
  while (write(fd, block.data(), block.size()) > 0) {
  }
  // The last partial block, byte by byte.
  while (write(fd, block.data(), 1) > 0) {
  }
  const off_t size = lseek(fd, 0, SEEK_END);
  if (leave_free > 0 && size > 0) (void)ftruncate(fd, size > leave_free ? size - leave_free : 0);
  close(fd);
}

std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const std::string& name : list_files(dir)) {
    if (name == kFiller) continue;
    struct stat st;
    const std::string p = dir + "/" + name;
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      out[name] = read_bytes(p);
    else
      out[name] = "";
  }
  return out;
}

// Writes "name\0content\0..." of the disk's files to `to` (outside the namespace).
void save_disk(const std::string& disk, const std::string& to) {
  std::string blob;
  for (const auto& [name, bytes] : files_of(disk)) {
    blob += name + '\0' + std::to_string(bytes.size()) + '\0' + bytes;
  }
  write_bytes(to, blob);
}

std::map<std::string, std::string> load_disk(const std::string& from) {
  std::map<std::string, std::string> out;
  if (!file_exists(from)) return out;
  const std::string blob = read_bytes(from);
  size_t at = 0;
  while (at < blob.size()) {
    const size_t a = blob.find('\0', at);
    const size_t b = blob.find('\0', a + 1);
    const std::string name = blob.substr(at, a - at);
    const size_t n = std::stoul(blob.substr(a + 1, b - a - 1));
    out[name] = blob.substr(b + 1, n);
    at = b + 1 + n;
  }
  return out;
}

}  // namespace

ConfinedRun run_confined(const std::vector<std::string>& args, const std::string& workdir,
                         const Confinement& c) {
  const std::string out_path = workdir + "/.stdout", err_path = workdir + "/.stderr";
  const std::string disk = workdir + "/disk", saved = workdir + "/.disk";
  if (c.disk_bytes > 0) mkdir(disk.c_str(), 0755);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    if (c.disk_bytes > 0) {
      const std::string size = "size=" + std::to_string(c.disk_bytes);
      if (!private_mounts() || mount("tmpfs", disk.c_str(), "tmpfs", 0, size.c_str()) != 0) {
        std::perror("confined_run: cannot mount a small disk");
        _exit(kSetupFailed);
      }
      for (const auto& [from, name] : c.disk_files)
        write_bytes(disk + "/" + name, read_bytes(from));
      if (c.fill_disk) fill(disk + "/" + kFiller, c.leave_free);
    }
    const pid_t program = fork();
    if (program == 0) {
      if (c.address_space > 0 && !kSanitizerBuild) {
        const rlimit lim{static_cast<rlim_t>(c.address_space),
                         static_cast<rlim_t>(c.address_space)};
        setrlimit(RLIMIT_AS, &lim);
      }
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || err < 0 || chdir(workdir.c_str()) != 0) _exit(127);
      dup2(out, 1);
      dup2(err, 2);
      exec_hessian(args);
    }
    int status = 0;
    while (waitpid(program, &status, 0) < 0) {
    }
    if (c.disk_bytes > 0) save_disk(disk, saved);
    // Exit code as it was; a signal as 128 + its number (kept apart by the parent's decoding).
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(c.seconds);
  int status = 0;
  ConfinedRun r;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code > 128 && code < 128 + 65) {
    r.signal = code - 128;
    r.code = -1;
  } else {
    r.code = r.timed_out ? -1 : code;
  }
  if (code == kSetupFailed)
    throw std::runtime_error("confined_run: the small disk could not be made");
  r.out = file_exists(out_path) ? read_bytes(out_path) : "";
  r.err = file_exists(err_path) ? read_bytes(err_path) : "";
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  if (c.disk_bytes > 0) {
    r.disk = load_disk(saved);
    unlink(saved.c_str());
    rmdir(disk.c_str());
  }
  return r;
}

}  // namespace hess::test
