#include "io/compressed_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "io/file_error.h"

namespace hess {

namespace {
constexpr unsigned kChunk = 1u << 20;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
}  // namespace

std::string read_maybe_gzip(const std::string& path, uint64_t max_bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    throw FileError(path, errno == ENOENT ? "no such file"
                                          : std::string("cannot read: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FileError(path, "is a directory, not a file");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::string out;
  for (;;) {
    const size_t at = out.size();
    out.resize(at + kChunk);
    const int n = gzread(f.get(), out.data() + at, kChunk);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(f.get(), &code);
      throw FileError(path, std::string("cannot decompress: ") + (msg ? msg : "zlib error"));
    }
    out.resize(at + static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      throw FileError(path,
                      "holds more than " + std::to_string(max_bytes) + " bytes (decompressed)");
    }
    if (n == 0) break;
  }
  // A gzip stream cut short reads as a clean end of file for gzread; gzerror tells.
  int code = 0;
  gzerror(f.get(), &code);
  if (code != Z_OK && code != Z_BUF_ERROR)
    throw FileError(path, "cannot decompress: the gzip stream is damaged");
  if (code == Z_BUF_ERROR) throw FileError(path, "is truncated (the gzip stream ends early)");
  return out;
}

}  // namespace hess
