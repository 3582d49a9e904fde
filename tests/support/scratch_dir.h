#pragma once
// A fresh temporary folder per test (removed with its content at the end), and the byte-level file
// surgery the corrupt-input tests need: read, write (plain or gzip), truncate, patch.
//
//   hess::test::ScratchDir dir;
//   std::string p = dir.file("m.h5");
//   hess::test::truncate_file(p, 100);

#include <cstdint>
#include <set>
#include <string>

namespace hess::test {

class ScratchDir {
 public:
  ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }
  // path()/name.
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

bool file_exists(const std::string& path);
// Whether a writer's temporary of `path` (PATH.partial.*, io/atomic_output.h) or its lock file
// (PATH.lock) is in its folder.
bool temporary_left(const std::string& path);
// Names of the entries of a folder.
std::set<std::string> list_files(const std::string& dir);
std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);
// Writes `bytes` gzip-compressed.
void write_gzip(const std::string& path, const std::string& bytes);
// Keeps the first `size` bytes.
void truncate_file(const std::string& path, int64_t size);
// Replaces the first occurrence of `from` in the file by `to` (same length); false when absent.
bool patch_bytes(const std::string& path, const std::string& from, const std::string& to);

}  // namespace hess::test
