// Tests of io/file_lock.h: one writer per file, across processes and within one; the holder's
// process id in the message; the lock file gone once released, and a released lock taken again.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "io/file_error.h"
#include "io/file_lock.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("file lock: a second holder fails at once, naming the first") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  {
    const FileLock lock(p);
    CHECK(file_exists(FileLock::lock_path(p)));
    CHECK(error_message<FileError>([&] { FileLock again(p); }) ==
          p + ": is being written by process " + std::to_string(::getpid()));
  }
  CHECK_FALSE(file_exists(FileLock::lock_path(p)));
  const FileLock after(p);  // released: taken again
  CHECK(file_exists(FileLock::lock_path(p)));
}

TEST_CASE("file lock: held by another process, then released by its exit") {
  ScratchDir dir;
  const std::string p = dir.file("r.h5");
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    {
      const FileLock lock(p);
      char c = 'r';
      if (::write(ready[1], &c, 1) != 1) ::_exit(2);
      if (::read(go[0], &c, 1) != 1) ::_exit(3);
    }
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(error_message<FileError>([&] { FileLock second(p); }) ==
        p + ": is being written by process " + std::to_string(child));
  c = 'g';
  REQUIRE(::write(go[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const FileLock mine(p);
  CHECK(file_exists(FileLock::lock_path(p)));
}

TEST_CASE("file lock: a folder that does not exist is an error naming the file") {
  CHECK(error_message<FileError>([&] { FileLock lock("no-such-dir/r.h5"); }) ==
        "no-such-dir/r.h5: cannot be written: No such file or directory");
}
