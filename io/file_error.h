#pragma once
// The one error type of io/ readers and writers: a file that cannot be read or written, or whose
// content is wrong. Its message starts with the file's name and says what is wrong, e.g.
//
//   m.h5: parameter 'fc1.weight' has shape [10, 5], the graph expects [10, 4]
//
// so the command line prints it as it is (`hessian: error: <what()>`, exit code 1).

#include <stdexcept>
#include <string>

namespace hess {

class FileError : public std::runtime_error {
 public:
  FileError(const std::string& file, const std::string& what)
      : std::runtime_error(file + ": " + what), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace hess
