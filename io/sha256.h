#pragma once
// SHA-256 of files and buffers (FIPS 180-4), for the model and data digests recorded in results
// and the content digests of io/content_digest.h.

#include <cstddef>
#include <cstdint>
#include <string>

namespace hess {

// An incremental SHA-256: feed bytes with update(), read the digest once with hex().
class Sha256 {
 public:
  void update(const void* data, size_t size);
  // Lower-case hex digest of everything fed; the object is spent afterwards.
  std::string hex();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint8_t buf_[64] = {};
  size_t fill_ = 0;
  uint64_t total_ = 0;
};

// Lower-case hex digest of `size` bytes.
std::string sha256_hex(const void* data, size_t size);
// Lower-case hex digest of a file's contents; throws std::runtime_error naming the file when it
// cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace hess
