#include "io/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/temporary_files.h"

namespace hess {

namespace {

// Attempts at locking a lock file that its holder removed meanwhile.
constexpr int kLockAttempts = 100;
// Longest process id text read back from a lock file.
constexpr size_t kPidTextMax = 32;

std::string holder_of(int fd) {
  char buf[kPidTextMax] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() ? pid : "?";
}

}  // namespace

std::string FileLock::lock_path(const std::string& target) {
  return target + ".lock";
}

namespace {
// A lock of its own for each output of a process whose outputs are discarded (io/atomic_output.h):
// it never meets rank 0's lock of the same target.
std::string discarded_lock_path() {
  static std::atomic<uint64_t> count{0};
  return discarded_outputs_folder() + "/lock." + std::to_string(count.fetch_add(1));
}
}  // namespace

FileLock::FileLock(std::string target)
    : target_(std::move(target)),
      lock_path_(discarded_outputs_folder().empty() ? lock_path(target_) : discarded_lock_path()) {
  for (int attempt = 0; attempt < kLockAttempts; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
      throw FileError(target_, std::string("cannot be written: ") + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = holder_of(fd);
      ::close(fd);
      if (err == EWOULDBLOCK) throw FileError(target_, "is being written by process " + holder);
      throw FileError(target_, "cannot be locked: " + std::string(std::strerror(err)));
    }
    // The holder before us may have removed the file after we opened it: lock the one in place.
    struct stat held, now;
    if (::fstat(fd, &held) == 0 && ::stat(lock_path_.c_str(), &now) == 0 &&
        held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The lock holds without the process id; a second writer's message says "process ?".
      }
      fd_ = fd;
      track_temporary(lock_path_);
      return;
    }
    ::close(fd);
  }
  throw FileError(target_, "cannot be locked: its lock file " + lock_path_ + " keeps changing");
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  ::unlink(lock_path_.c_str());
  untrack_temporary(lock_path_);
  ::close(fd_);
}

}  // namespace hess
