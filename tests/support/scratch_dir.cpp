#include "support/scratch_dir.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hess::test {

ScratchDir::ScratchDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hess-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::file(const std::string& name) const {
  return path_ + "/" + name;
}

bool temporary_left(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string stem = p.filename().string();
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  for (const std::string& name : list_files(dir)) {
    if (name.starts_with(stem + ".partial") || name == stem + ".lock") return true;
  }
  return false;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::set<std::string> list_files(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.insert(e.path().filename().string());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  const int n = bytes.empty() ? 0 : gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  if (gzclose(f) != Z_OK || n != static_cast<int>(bytes.size()))
    throw std::runtime_error("cannot write " + path);
}

void truncate_file(const std::string& path, int64_t size) {
  std::filesystem::resize_file(path, static_cast<std::uintmax_t>(size));
}

bool patch_bytes(const std::string& path, const std::string& from, const std::string& to) {
  if (from.size() != to.size()) throw std::invalid_argument("patch_bytes: lengths differ");
  std::string bytes = read_bytes(path);
  const size_t at = bytes.find(from);
  if (at == std::string::npos) return false;
  bytes.replace(at, from.size(), to);
  write_bytes(path, bytes);
  return true;
}

}  // namespace hess::test
