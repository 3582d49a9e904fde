#include "io/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "engine/enum_names.h"
#include "io/file_error.h"

namespace hess {

namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEndSize = 22;         // end of central directory record, without comment
constexpr size_t kMaxComment = 0xFFFF;  // the end record's comment length is 16 bits
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralSize = 46;  // a central directory header, without its names
constexpr size_t kLocalSize = 30;    // a local header, without its name and extra field
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kEncryptedFlag = 0x0001;
constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
// Deflate cannot expand data by more than about 1032:1; a member declaring more is damaged (and
// would otherwise make us allocate what a tiny hostile file asks for).
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kDeflateSlack = 1024;
// zlib takes sizes as unsigned int: inflate in steps of at most this.
constexpr uint64_t kInflateStep = uint64_t{1} << 30;

// Little-endian reads at `at` of `bytes`, which the caller has checked to hold them.
uint64_t le(const std::string& bytes, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

}  // namespace

ZipArchive::ZipArchive(const std::string& bytes, std::string label)
    : bytes_(bytes), label_(std::move(label)) {
  const size_t n = bytes_.size();
  auto fail = [&](const std::string& what) -> FileError {
    return FileError(label_, "is not a valid zip archive: " + what);
  };
  if (n < kEndSize) throw fail("too short (" + std::to_string(n) + " bytes)");
  // The end record: the last signature that leaves room for its comment.
  size_t end = std::string::npos;
  const size_t lowest = n - kEndSize > kMaxComment ? n - kEndSize - kMaxComment : 0;
  for (size_t at = n - kEndSize + 1; at-- > lowest;) {
    if (le(bytes_, at, 4) == kEndSignature && at + kEndSize + le(bytes_, at + 20, 2) == n) {
      end = at;
      break;
    }
  }
  if (end == std::string::npos) throw fail("no end of central directory record");
  uint64_t count = le(bytes_, end + 10, 2);
  uint64_t dir_size = le(bytes_, end + 12, 4);
  uint64_t dir_offset = le(bytes_, end + 16, 4);
  if (le(bytes_, end + 4, 2) != 0 || le(bytes_, end + 6, 2) != 0 || le(bytes_, end + 8, 2) != count)
    throw fail("spans several disks");
  if (count == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
    if (end < kZip64LocatorSize || le(bytes_, end - kZip64LocatorSize, 4) != kZip64LocatorSignature)
      throw fail("ZIP64 sizes without a ZIP64 locator");
    const uint64_t at = le(bytes_, end - kZip64LocatorSize + 8, 8);
    if (n < kZip64EndSize || at > n - kZip64EndSize || le(bytes_, at, 4) != kZip64EndSignature)
      throw fail("the ZIP64 end record is missing");
    count = le(bytes_, at + 32, 8);
    dir_size = le(bytes_, at + 40, 8);
    dir_offset = le(bytes_, at + 48, 8);
  }
  if (dir_offset > n || dir_size > n - dir_offset)
    throw fail("the central directory lies outside the file");
  if (count > dir_size / kCentralSize) throw fail("more members than the directory can hold");
  size_t at = dir_offset;
  const size_t dir_end = dir_offset + dir_size;
  for (uint64_t k = 0; k < count; ++k) {
    if (dir_end - at < kCentralSize || le(bytes_, at, 4) != kCentralSignature)
      throw fail("central directory entry " + std::to_string(k) + " is damaged");
    ZipMember m;
    const uint64_t flags = le(bytes_, at + 8, 2);
    m.method = static_cast<uint16_t>(le(bytes_, at + 10, 2));
    m.crc32 = static_cast<uint32_t>(le(bytes_, at + 16, 4));
    m.compressed_size = le(bytes_, at + 20, 4);
    m.size = le(bytes_, at + 24, 4);
    const size_t name_len = le(bytes_, at + 28, 2), extra_len = le(bytes_, at + 30, 2),
                 comment_len = le(bytes_, at + 32, 2);
    m.local_offset = le(bytes_, at + 42, 4);
    if (dir_end - at - kCentralSize < name_len + extra_len + comment_len)
      throw fail("central directory entry " + std::to_string(k) + " is truncated");
    m.name = bytes_.substr(at + kCentralSize, name_len);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    size_t e = at + kCentralSize + name_len;
    const size_t e_end = e + extra_len;
    while (e_end - e >= 4) {
      const uint64_t id = le(bytes_, e, 2), len = le(bytes_, e + 2, 2);
      if (e_end - e - 4 < len) throw fail("the extra field of '" + echoed(m.name) + "' is damaged");
      if (id == kZip64ExtraId) {
        size_t f = e + 4;
        for (uint64_t* v : {&m.size, &m.compressed_size, &m.local_offset}) {
          if (*v != 0xFFFFFFFF) continue;
          if (f + 8 > e + 4 + len)
            throw fail("the ZIP64 field of '" + echoed(m.name) + "' is short");
          *v = le(bytes_, f, 8);
          f += 8;
        }
      }
      e += 4 + len;
    }
    if (flags & kEncryptedFlag) throw fail("'" + echoed(m.name) + "' is encrypted");
    if (m.method != kStored && m.method != kDeflated) {
      throw fail("'" + echoed(m.name) + "' uses compression method " + std::to_string(m.method) +
                 " (only stored and deflated are read)");
    }
    members_.push_back(std::move(m));
    at += kCentralSize + name_len + extra_len + comment_len;
  }
}

std::string ZipArchive::read(const ZipMember& m, uint64_t max_bytes) const {
  const size_t n = bytes_.size();
  const std::string what = "member '" + echoed(m.name) + "'";
  if (m.local_offset > n || n - m.local_offset < kLocalSize ||
      le(bytes_, m.local_offset, 4) != kLocalSignature)
    throw FileError(label_, what + ": its local header is missing");
  const uint64_t start = m.local_offset + kLocalSize + le(bytes_, m.local_offset + 26, 2) +
                         le(bytes_, m.local_offset + 28, 2);
  if (start > n || m.compressed_size > n - start)
    throw FileError(
        label_, what + ": truncated (" + std::to_string(m.compressed_size) + " bytes declared)");
  if (m.size > max_bytes) {
    throw FileError(label_, what + ": " + std::to_string(m.size) + " bytes, more than the " +
                                std::to_string(max_bytes) + " an import reads");
  }
  std::string out;
  if (m.method == kStored) {
    if (m.size != m.compressed_size)
      throw FileError(label_, what + ": stored, but its two sizes differ");
    out = bytes_.substr(start, m.compressed_size);
  } else {
    if (m.size > m.compressed_size * kMaxDeflateRatio + kDeflateSlack)
      throw FileError(label_, what + ": declares more data than deflate can hold");
    out.resize(m.size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw FileError(label_, what + ": zlib failed");
    uint64_t in_left = m.compressed_size, out_left = m.size;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes_.data() + start));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    int rc = Z_OK;
    while (rc == Z_OK) {
      const uInt give_in = static_cast<uInt>(std::min(in_left, kInflateStep));
      const uInt give_out = static_cast<uInt>(std::min(out_left, kInflateStep));
      z.avail_in = give_in;
      z.avail_out = give_out;
      rc = inflate(&z, Z_NO_FLUSH);
      in_left -= give_in - z.avail_in;
      out_left -= give_out - z.avail_out;
      if (rc == Z_OK && z.avail_in == give_in && z.avail_out == give_out) rc = Z_BUF_ERROR;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || out_left != 0) {
      throw FileError(label_,
                      what + ": its deflate stream is damaged" +
                          std::string(rc == Z_STREAM_END ? " (shorter than declared)" : ""));
    }
  }
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < out.size(); at += kInflateStep) {
    const uInt len = static_cast<uInt>(std::min<uint64_t>(out.size() - at, kInflateStep));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(out.data() + at), len);
  }
  if (static_cast<uint32_t>(crc) != m.crc32) throw FileError(label_, what + ": CRC-32 mismatch");
  return out;
}

}  // namespace hess
