#pragma once
// The members of a zip archive (PKWARE APPNOTE 6.3), as Python's zipfile writes them for numpy's
// .npz files: stored (method 0) or deflated (method 8), ZIP64 records and extra fields read, no
// encryption, one disk. The archive is read from its central directory; a member's data is found
// through its local header. Everything is checked against the bytes present before it is used:
// offsets and sizes inside the archive, declared sizes against what deflate can produce, the
// CRC-32 of every member read. Each fault is a FileError naming the archive.
//
//   hess::ZipArchive zip(bytes, "d.npz");
//   for (const hess::ZipMember& m : zip.members()) ... m.name ...
//   std::string content = zip.read(zip.members()[0], hess::kMaxImportBytes);

#include <cstdint>
#include <string>
#include <vector>

namespace hess {

struct ZipMember {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint32_t crc32 = 0;
  uint64_t local_offset = 0;  // of the local header
};

class ZipArchive {
 public:
  // Parses the central directory of `bytes` (kept by reference: it must outlive the archive);
  // `label` names the archive in errors.
  ZipArchive(const std::string& bytes, std::string label);

  const std::vector<ZipMember>& members() const { return members_; }
  // The member's content, decompressed and CRC-checked. FileError when it would be larger than
  // `max_bytes`, or is damaged.
  std::string read(const ZipMember& m, uint64_t max_bytes) const;

 private:
  const std::string& bytes_;
  std::string label_;
  std::vector<ZipMember> members_;
};

}  // namespace hess
