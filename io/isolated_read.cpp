#include "io/isolated_read.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "io/file_error.h"

namespace hess {

namespace {

// The first byte of the child's reply.
constexpr char kResult = 'R';
constexpr char kError = 'E';

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

[[noreturn]] void child(int fd, pid_t parent, const std::string& file,
                        const std::function<std::string()>& work) {
  // Dies with its parent (killed by any signal, even SIGKILL), and a signal sent to the process
  // group ends the child plainly: the parent's handlers remove the parent's temporaries.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(1);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
  std::string reply;
  try {
    reply = kResult + work();
  } catch (const FileError& e) {
    const std::string what = e.what();
    reply = kError + e.file() + '\0' + what.substr(std::min(what.size(), e.file().size() + 2));
  } catch (const std::exception& e) {
    reply = kError + file + '\0' + e.what();
  }
  _exit(write_all(fd, reply.data(), reply.size()) ? 0 : 1);
}

}  // namespace

double isolation_time_limit(const std::string& path) {
  struct stat st;
  const double bytes = stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0.0;
  return kIsolationBaseSeconds + bytes / kIsolationBytesPerSecond;
}

std::string run_isolated(const std::string& file, const std::function<std::string()>& work,
                         double seconds) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw FileError(file, std::string("cannot read: pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw FileError(file, std::string("cannot read: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], parent, file, work);
  }
  ::close(fds[1]);
  std::string reply;
  char buf[1 << 16];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  bool late = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      late = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (late) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (late) {
    char s[32];
    std::snprintf(s, sizeof s, "%.1f", seconds);
    throw FileError(file, std::string("the HDF5 library did not finish reading it in ") + s +
                              " s: the file is damaged");
  }
  if (WIFSIGNALED(status)) {
    throw FileError(file, "the HDF5 library failed on it (signal " +
                              std::to_string(WTERMSIG(status)) + "): the file is damaged");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply.empty()) {
    throw FileError(file, "cannot read: the reading process failed");
  }
  if (reply[0] == kError) {
    const size_t sep = reply.find('\0', 1);
    if (sep == std::string::npos) throw FileError(file, reply.substr(1));
    throw FileError(reply.substr(1, sep - 1), reply.substr(sep + 1));
  }
  return reply.substr(1);
}

}  // namespace hess
