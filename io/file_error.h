#pragma once
// The one error type of io/ readers and writers: a file that cannot be read or written, or whose
// content is wrong. Its message starts with the file's name and says what is wrong, e.g.
//
//   m.h5: parameter 'fc1.weight' has shape [10, 5], the graph expects [10, 4]
//
// so the command line prints it as it is (`hessian: error: <what()>`, exit code 1).
//
// A write that fails in the temporary of an output (NAME.partial.PID-N, io/atomic_output.h) is
// reported under the output's name, with "(nothing written)": the output is untouched and the
// temporary is removed.

#include <stdexcept>
#include <string>

namespace hess {

// The output a temporary of this process belongs to (NAME for NAME.partial.PID-N), or "" for any
// other name.
std::string output_of_temporary(const std::string& path);
// The temporary name of output `target`, number `n` of this process.
std::string temporary_name(const std::string& target, long n);

class FileError : public std::runtime_error {
 public:
  FileError(const std::string& file, const std::string& what);
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace hess
