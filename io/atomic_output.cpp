#include "io/atomic_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "io/file_error.h"

namespace hess {

namespace {
std::string partial_path_of(const std::string& path) {
  return path + ".partial";
}
}  // namespace

AtomicOutput::AtomicOutput(std::string path)
    : path_(std::move(path)), partial_(partial_path_of(path_)) {
  // Fails early, naming the file asked for, when its folder is missing or not writable.
  const int fd = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) throw FileError(path_, std::string("cannot be written: ") + std::strerror(errno));
  ::close(fd);
}

AtomicOutput::~AtomicOutput() {
  if (!done_) std::remove(partial_.c_str());
}

void AtomicOutput::commit() {
  if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
    throw FileError(path_, std::string("cannot move the finished ") + partial_ +
                               " into place: " + std::strerror(errno));
  }
  done_ = true;
}

}  // namespace hess

namespace hess {

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.partial_path(), std::ios::binary);
    f << text;
    f.close();
    if (!f) throw FileError(path, "cannot be written");
  }
  out.commit();
}

}  // namespace hess
