// Zip archives (io/zip_archive): the members of numpy's .npz fixtures (tests/data/npz, stored and
// deflated, written by tests/data/make_npz_fixtures.py) read back whole; damaged archives (cut,
// flipped bytes, a lying size, an unknown method) refused with a FileError, never a crash or a
// huge allocation.
#include <doctest/doctest.h>

#include <string>

#include "io/file_error.h"
#include "io/zip_archive.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kDir = std::string(HESS_SOURCE_DIR) + "/tests/data/npz/";
constexpr uint64_t kLimit = 1 << 20;
constexpr char kNpyMagic[] = "\x93NUMPY";

const ZipMember& member(const ZipArchive& z, const std::string& name) {
  for (const ZipMember& m : z.members()) {
    if (m.name == name) return m;
  }
  FAIL("no member " << name);
  throw;
}

// The offset of the first central directory header (signature PK\1\2).
size_t central(const std::string& bytes) {
  return bytes.find(std::string("PK\x01\x02", 4));
}

}  // namespace

TEST_CASE("np.savez (stored) and np.savez_compressed (deflated) members read back whole") {
  const std::string plain = read_bytes(kDir + "plain.npz");
  const ZipArchive p(plain, "plain.npz");
  REQUIRE(p.members().size() == 9);
  CHECK(p.members()[0].name == "X.npy");
  CHECK(p.members()[0].method == 0);
  const std::string x = p.read(member(p, "X.npy"), kLimit);
  CHECK(x.size() == member(p, "X.npy").size);
  CHECK(x.rfind(kNpyMagic, 0) == 0);
  // The stored member is the bytes in the file, after its local header.
  CHECK(plain.find(x) != std::string::npos);

  const std::string compressed = read_bytes(kDir + "compressed.npz");
  const ZipArchive c(compressed, "compressed.npz");
  REQUIRE(c.members().size() == 2);
  const ZipMember& f = member(c, "features.npy");
  CHECK(f.method == 8);
  CHECK(f.compressed_size < f.size);
  const std::string features = c.read(f, kLimit);
  CHECK(features.size() == f.size);
  CHECK(features.rfind(kNpyMagic, 0) == 0);
  // 6 x 4 float64 values after the header.
  CHECK(features.size() > 6 * 4 * 8);
  CHECK_THROWS_AS(c.read(f, f.size - 1), FileError);
}

TEST_CASE("damaged archives are FileErrors naming the archive") {
  const std::string good = read_bytes(kDir + "compressed.npz");
  auto refused = [](const std::string& bytes) {
    try {
      const ZipArchive z(bytes, "d.npz");
      for (const ZipMember& m : z.members()) (void)z.read(m, kLimit);
    } catch (const FileError& e) {
      CHECK(std::string(e.what()).rfind("d.npz: ", 0) == 0);
      return true;
    }
    return false;
  };
  CHECK_FALSE(refused(good));
  CHECK(refused(""));
  CHECK(refused("PK"));
  CHECK(refused(std::string(100, '\0')));
  for (size_t cut : {size_t{10}, good.size() / 2, good.size() - 1}) {
    CAPTURE(cut);
    CHECK(refused(good.substr(0, cut)));
  }
  // A flipped byte inside the first member's deflate stream, and in a stored member's data.
  std::string flipped = good;
  const size_t stream = 30 + 12 + 20;  // local header, "features.npy", numpy's ZIP64 extra field
  flipped[stream + 20] = static_cast<char>(flipped[stream + 20] ^ 0x55);
  CHECK(refused(flipped));
  std::string plain = read_bytes(kDir + "plain.npz");
  const size_t data = plain.find("NUMPY") + 200;
  plain[data] = static_cast<char>(plain[data] ^ 1);
  CHECK(refused(plain));
  // An unknown compression method in the central directory.
  std::string method = good;
  method[central(method) + 10] = 12;
  CHECK(refused(method));
  // An uncompressed size far beyond what the deflated bytes can give: refused before allocating.
  std::string huge = good;
  for (int i = 0; i < 4; ++i) huge[central(huge) + 24 + i] = static_cast<char>(0xFE);
  CHECK(refused(huge));
  // A central directory offset past the end.
  std::string offset = good;
  const size_t end = offset.rfind(std::string("PK\x05\x06", 4));
  offset[end + 19] = 0x7F;
  CHECK(refused(offset));
}
