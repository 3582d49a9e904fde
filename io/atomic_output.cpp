#include "io/atomic_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/file_error.h"

namespace hess {

std::string partial_path_of(const std::string& path) {
  return path + ".partial";
}

AtomicOutput::AtomicOutput(std::string path)
    : path_(std::move(path)), partial_(partial_path_of(path_)) {}

AtomicOutput::~AtomicOutput() {
  if (!done_ && !keep_) std::remove(partial_.c_str());
}

void AtomicOutput::commit() {
  if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
    throw FileError(path_, std::string("cannot move the finished ") + partial_ +
                               " into place: " + std::strerror(errno));
  }
  done_ = true;
}

}  // namespace hess
