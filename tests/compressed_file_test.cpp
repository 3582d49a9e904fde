// Reading plain and gzip-compressed files (io/compressed_file): the same bytes either way, and
// damaged, truncated or oversized streams refused.
#include <doctest/doctest.h>

#include "io/compressed_file.h"
#include "io/file_error.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {
std::string sample_bytes(size_t n) {
  std::string s(n, '\0');
  uint32_t state = 12345;
  for (char& c : s) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>(state >> 24);
  }
  return s;
}
}  // namespace

TEST_CASE("plain and gzip files read as the same bytes, across chunk boundaries") {
  ScratchDir dir;
  for (size_t n : {size_t{0}, size_t{1}, size_t{3} << 20}) {
    const std::string bytes = sample_bytes(n);
    write_bytes(dir.file("plain"), bytes);
    write_gzip(dir.file("packed.gz"), bytes);
    CHECK(read_maybe_gzip(dir.file("plain")) == bytes);
    CHECK(read_maybe_gzip(dir.file("packed.gz")) == bytes);
  }
}

TEST_CASE("missing, truncated, damaged and oversized input is refused") {
  ScratchDir dir;
  const std::string missing = dir.file("none.gz");
  CHECK(error_message<FileError>([&] { read_maybe_gzip(missing); }) == missing + ": no such file");
  CHECK(error_message<FileError>([&] { read_maybe_gzip(dir.path()); }) ==
        dir.path() + ": is a directory, not a file");

  const std::string p = dir.file("d.gz");
  write_gzip(p, sample_bytes(100000));
  const std::string full = read_bytes(p);
  write_bytes(p, full.substr(0, full.size() / 2));
  CHECK(error_message<FileError>([&] { read_maybe_gzip(p); }) ==
        p + ": is truncated (the gzip stream ends early)");

  std::string damaged = full;
  for (size_t i = 20; i < 60; ++i) damaged[i] = static_cast<char>(~damaged[i]);
  write_bytes(p, damaged);
  CHECK(error_message<FileError>([&] { read_maybe_gzip(p); }).rfind(p + ": cannot decompress", 0) ==
        0);

  write_gzip(p, std::string(5000, 'a'));
  CHECK(error_message<FileError>([&] { read_maybe_gzip(p, 1000); }) ==
        p + ": holds more than 1000 bytes (decompressed)");
}
