// IDX import (io/idx_import): hand-encoded files of every IDX type decode to the values written,
// Debian's Fashion-MNIST test set imports with the figures numpy gives, and bad files (wrong magic,
// truncated, trailing bytes, mismatched counts, absurd extents) are refused without allocating.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstring>

#include "io/file_error.h"
#include "io/idx_import.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

// An IDX file encoded by hand: magic, big-endian extents, then `payload` as given.
std::string idx(uint8_t type, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      s.push_back(static_cast<char>((d >> shift) & 0xFF));
  }
  return s + payload;
}

std::string big_endian_bytes(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

std::string labels_file(const std::vector<uint8_t>& labels) {
  return idx(0x08, {static_cast<uint32_t>(labels.size())},
             std::string(labels.begin(), labels.end()));
}

constexpr const char* kFashion = "/usr/share/datasets/fashion-mnist/";

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("every IDX value type decodes to the values encoded") {
  const std::string labels = labels_file({3, 0});
  SUBCASE("uint8 images [N, H, W] become [N, 1, H, W] with scale 255") {
    const ImportedData d = parse_idx_pair(
        idx(0x08, {2, 2, 3}, std::string("\x00\x01\x7f\x80\xfe\xff\x05\x06\x07\x08\x09\x0a", 12)),
        labels, "i", "l");
    CHECK(d.data.sample_shape == Shape{1, 2, 3});
    CHECK(d.data.x == std::vector<float>{0, 1, 127, 128, 254, 255, 5, 6, 7, 8, 9, 10});
    CHECK(d.data.labels == std::vector<int64_t>{3, 0});
    CHECK(d.default_scale == 255);
  }
  SUBCASE("int8, int16, int32 are signed; 4-D samples keep their extents") {
    const ImportedData a = parse_idx_pair(idx(0x09, {2, 1}, "\xff\x80"), labels, "i", "l");
    CHECK(a.data.x == std::vector<float>{-1, -128});
    CHECK(a.data.sample_shape == Shape{1});
    CHECK(a.default_scale == 1);
    const ImportedData b = parse_idx_pair(
        idx(0x0B, {2, 1, 1, 1}, big_endian_bytes(0xFFFE, 2) + big_endian_bytes(300, 2)), labels,
        "i", "l");
    CHECK(b.data.x == std::vector<float>{-2, 300});
    CHECK(b.data.sample_shape == Shape{1, 1, 1});
    const ImportedData c = parse_idx_pair(
        idx(0x0C, {2, 1}, big_endian_bytes(0xFFFFFFFF, 4) + big_endian_bytes(70000, 4)), labels,
        "i", "l");
    CHECK(c.data.x == std::vector<float>{-1, 70000});
  }
  SUBCASE("float32 and float64") {
    uint32_t fbits;
    const float f = -2.5f;
    std::memcpy(&fbits, &f, 4);
    uint64_t dbits;
    const double g = 0.1;
    std::memcpy(&dbits, &g, 8);
    const ImportedData a =
        parse_idx_pair(idx(0x0D, {2, 1}, big_endian_bytes(fbits, 4) + big_endian_bytes(fbits, 4)),
                       labels, "i", "l");
    CHECK(a.data.x == std::vector<float>{-2.5f, -2.5f});
    const ImportedData b =
        parse_idx_pair(idx(0x0E, {2, 1}, big_endian_bytes(dbits, 8) + big_endian_bytes(dbits, 8)),
                       labels, "i", "l");
    CHECK(b.data.x == std::vector<float>{0.1f, 0.1f});
  }
  SUBCASE("int32 labels") {
    const ImportedData d = parse_idx_pair(
        idx(0x08, {2, 1}, "\x01\x02"),
        idx(0x0C, {2}, big_endian_bytes(7, 4) + big_endian_bytes(123456, 4)), "i", "l");
    CHECK(d.data.labels == std::vector<int64_t>{7, 123456});
  }
}

TEST_CASE("Debian's Fashion-MNIST test set imports with the figures numpy computes") {
  const std::string images = std::string(kFashion) + "t10k-images-idx3-ubyte.gz";
  const std::string labels = std::string(kFashion) + "t10k-labels-idx1-ubyte.gz";
  REQUIRE_MESSAGE(exists(images),
                  "dataset-fashion-mnist is not installed (scripts/setup.sh installs it)");
  const ImportedData d = import_idx(images, labels);
  REQUIRE(d.data.size() == 10000);
  CHECK(d.data.sample_shape == Shape{1, 28, 28});
  // Reference figures from numpy over the same files (np.frombuffer of the gunzipped bytes).
  CHECK(std::vector<int64_t>(d.data.labels.begin(), d.data.labels.begin() + 10) ==
        std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
  std::vector<int64_t> per_class(10, 0);
  for (int64_t l : d.data.labels) per_class.at(l) += 1;
  CHECK(per_class == std::vector<int64_t>(10, 1000));
  double first = 0, all = 0;
  for (int64_t i = 0; i < 784; ++i) first += d.data.x[i];
  for (float v : d.data.x) all += v;
  CHECK(first == 33456);
  CHECK(all == 573469082);
  CHECK(std::vector<float>(d.data.x.begin() + 14 * 28 + 10, d.data.x.begin() + 14 * 28 + 18) ==
        std::vector<float>{0, 0, 98, 136, 110, 109, 110, 162});
}

TEST_CASE("gzip and plain IDX files import the same") {
  ScratchDir dir;
  const std::string images = idx(0x08, {3, 2, 2}, std::string("abcdefghijkl"));
  const std::string labels = labels_file({1, 2, 3});
  write_bytes(dir.file("i"), images);
  write_bytes(dir.file("l"), labels);
  write_gzip(dir.file("i.gz"), images);
  write_gzip(dir.file("l.gz"), labels);
  const ImportedData a = import_idx(dir.file("i"), dir.file("l"));
  const ImportedData b = import_idx(dir.file("i.gz"), dir.file("l.gz"));
  CHECK(a.data.x == b.data.x);
  CHECK(a.data.labels == b.data.labels);
  CHECK(a.source == "IDX: images i (uint8 [3, 2, 2]), labels l");
}

TEST_CASE("bad IDX files are refused, naming the file") {
  const std::string labels = labels_file({1, 2});
  const std::string good = idx(0x08, {2, 1, 1}, "\x01\x02");
  auto images_error = [&](const std::string& bytes) {
    return error_message<FileError>([&] { parse_idx_pair(bytes, labels, "img.idx", "lab.idx"); });
  };
  CHECK(images_error("") == "img.idx: too short for an IDX file (0 bytes)");
  CHECK(images_error(std::string("\x1f\x8b\x08\x00zzzz", 8)) ==
        "img.idx: not an IDX file (magic number 0x1F8B0800; expected 0x0000TTDD: type "
        "08/09/0B/0C/0D/0E, 1 to 8 dimensions)");
  CHECK(images_error(std::string("\x00\x00\x07\x03", 4))
            .rfind("img.idx: not an IDX file (magic number 0x00000703", 0) == 0);
  CHECK(images_error(std::string("\x00\x00\x08\x00", 4)).rfind("img.idx: not an IDX file", 0) == 0);
  CHECK(images_error(good.substr(0, 9)) == "img.idx: is truncated inside its header");
  CHECK(images_error(good.substr(0, good.size() - 1)) ==
        "img.idx: is truncated: its header declares [2, 1, 1] uint8 values, the file holds 1 bytes "
        "of data");
  CHECK(images_error(good + "xyz") ==
        "img.idx: has 3 bytes after the values its header declares ([2, 1, 1])");
  // Absurd extents (2^32 - 1 cubed) with a few bytes: refused from the header, nothing allocated.
  CHECK(images_error(idx(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "12345678")) ==
        "img.idx: is truncated: its header declares [4294967295, 4294967295, 4294967295] float64 "
        "values, the file "
        "holds 8 bytes of data");
  CHECK(images_error(idx(0x08, {2}, "\x01\x02")) ==
        "img.idx: has shape [2]; an images file is [N, ...] with N samples");
  CHECK(images_error(idx(0x08, {0, 0xFFFFFFFF, 0xFFFFFFFF}, "")) ==
        "lab.idx: holds 2 labels, img.idx holds 0 images");

  auto labels_error = [&](const std::string& bytes) {
    return error_message<FileError>([&] { parse_idx_pair(good, bytes, "img.idx", "lab.idx"); });
  };
  CHECK(labels_error(labels_file({1, 2, 3})) == "lab.idx: holds 3 labels, img.idx holds 2 images");
  CHECK(labels_error(idx(0x08, {2, 1}, "\x01\x02")) ==
        "lab.idx: has shape [2, 1]; a labels file is 1-D");
  CHECK(labels_error(idx(0x0D, {2}, std::string(8, '\0'))) ==
        "lab.idx: holds float32 values; labels are integers");
  CHECK(labels_error(idx(0x09, {2}, "\x01\xff")) == "lab.idx: holds the negative label -1 at 1");
  uint32_t nan_bits = 0x7FC00000;
  CHECK(error_message<FileError>([&] {
          parse_idx_pair(idx(0x0D, {2, 1}, big_endian_bytes(0, 4) + big_endian_bytes(nan_bits, 4)),
                         labels, "img.idx", "lab.idx");
        }) == "img.idx: holds a non-finite value in image 1");
}
