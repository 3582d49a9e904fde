#pragma once
// An exclusive advisory lock on an output file, held while a run writes it: a second writer of the
// same file fails at once instead of losing the first one's groups. The lock is flock(2) on
// NAME.lock beside the file, which holds the writer's process id; the lock file is removed when the
// lock is released (a waiting opener then finds it gone and retries on the new one, so two
// processes never both hold a lock on NAME).
//
//   hess::FileLock lock("results.h5");   // FileError "results.h5: is being written by process
//   4242"
//   ... write results.h5 ...             // released (and results.h5.lock removed) on destruction

#include <string>

namespace hess {

class FileLock {
 public:
  // Throws FileError naming `target` when another process holds the lock or the lock file cannot
  // be made.
  explicit FileLock(std::string target);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  const std::string& target() const { return target_; }
  // "NAME.lock".
  static std::string lock_path(const std::string& target);

 private:
  std::string target_, lock_path_;
  int fd_ = -1;
};

}  // namespace hess
