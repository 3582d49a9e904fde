#pragma once
// Reading a whole file that may be gzip-compressed (the MNIST-family IDX files and CSV files come
// either way): zlib's gzread passes uncompressed files through unchanged.
//
//   std::string bytes = hess::read_maybe_gzip("train-images-idx3-ubyte.gz");

#include <cstdint>
#include <string>

namespace hess {

// Importers refuse input that decompresses to more than this.
constexpr uint64_t kMaxImportBytes = uint64_t{8} << 30;

// The (decompressed) content of `path`. Throws FileError: no such file, unreadable, corrupt gzip
// stream, more than `max_bytes`.
std::string read_maybe_gzip(const std::string& path, uint64_t max_bytes = kMaxImportBytes);

}  // namespace hess
