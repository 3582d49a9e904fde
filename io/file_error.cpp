#include "io/file_error.h"

#include <unistd.h>

namespace hess {

namespace {

constexpr const char* kTemporaryInfix = ".partial.";
constexpr const char* kNothingWritten = "nothing written";

std::string message(const std::string& file, const std::string& what) {
  const std::string output = output_of_temporary(file);
  if (output.empty()) return file + ": " + what;
  if (what.find(kNothingWritten) != std::string::npos) return output + ": " + what;
  return output + ": " + what + " (" + kNothingWritten + ")";
}

}  // namespace

std::string temporary_name(const std::string& target, long n) {
  return target + kTemporaryInfix + std::to_string(::getpid()) + "-" + std::to_string(n);
}

std::string output_of_temporary(const std::string& path) {
  const std::string mine = kTemporaryInfix + std::to_string(::getpid()) + "-";
  const size_t at = path.rfind(mine);
  if (at == std::string::npos || at == 0) return "";
  const size_t digits = at + mine.size();
  if (digits == path.size()) return "";
  for (size_t i = digits; i < path.size(); ++i) {
    if (path[i] < '0' || path[i] > '9') return "";
  }
  return path.substr(0, at);
}

FileError::FileError(const std::string& file, const std::string& what)
    : std::runtime_error(message(file, what)) {
  const std::string output = output_of_temporary(file);
  file_ = output.empty() ? file : output;
}

}  // namespace hess
