#pragma once
// Writing a file so that it is either complete or absent: the content goes to `NAME.partial`, which
// commit() renames over NAME (rename(2) is atomic on one file system). When the writer fails or is
// destroyed before commit(), the partial file is removed and NAME is left as it was.
//
//   hess::AtomicOutput out("d.h5");
//   write_everything(out.partial_path());   // may throw: d.h5.partial is removed, d.h5 untouched
//   out.commit();                            // d.h5 now holds the new content

#include <string>

namespace hess {

class AtomicOutput {
 public:
  // Creates NAME.partial (empty); throws FileError naming NAME when it cannot.
  explicit AtomicOutput(std::string path);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  const std::string& path() const { return path_; }
  const std::string& partial_path() const { return partial_; }
  // Renames the partial file over the final one; throws FileError naming the file on failure.
  void commit();

 private:
  std::string path_, partial_;
  bool done_ = false;
};

}  // namespace hess

namespace hess {

// Writes `text` to `path` atomically (through AtomicOutput); FileError naming `path` on failure.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace hess
