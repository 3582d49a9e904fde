#pragma once
// SHA-256 of files and buffers (FIPS 180-4), for the model and data digests recorded in results.

#include <cstdint>
#include <string>

namespace hess {

// Lower-case hex digest of `size` bytes.
std::string sha256_hex(const void* data, size_t size);
// Lower-case hex digest of a file's contents; throws std::runtime_error naming the file when it
// cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace hess
