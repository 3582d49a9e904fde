#include "io/idx_import.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/compressed_file.h"
#include "io/file_error.h"

namespace hess {

namespace {

constexpr int kMaxIdxRank = 8;

enum IdxType : uint8_t {
  kU8 = 0x08,
  kI8 = 0x09,
  kI16 = 0x0B,
  kI32 = 0x0C,
  kF32 = 0x0D,
  kF64 = 0x0E
};

size_t element_size(uint8_t type) {
  switch (type) {
    case kU8:
    case kI8:
      return 1;
    case kI16:
      return 2;
    case kI32:
    case kF32:
      return 4;
    case kF64:
      return 8;
    default:
      return 0;
  }
}

uint64_t big_endian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Value i of the payload as a double (exact for every IDX type).
double value_at(const unsigned char* p, uint8_t type, size_t i) {
  const size_t s = element_size(type);
  const uint64_t raw = big_endian(p + i * s, s);
  switch (type) {
    case kU8:
      return static_cast<double>(raw);
    case kI8:
      return static_cast<double>(static_cast<int8_t>(raw));
    case kI16:
      return static_cast<double>(static_cast<int16_t>(raw));
    case kI32:
      return static_cast<double>(static_cast<int32_t>(raw));
    case kF32: {
      const uint32_t bits = static_cast<uint32_t>(raw);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    }
    default: {
      double d;
      std::memcpy(&d, &raw, sizeof d);
      return d;
    }
  }
}

const unsigned char* payload(const std::string& bytes, const IdxHeader& h) {
  return reinterpret_cast<const unsigned char*>(bytes.data()) + h.data_offset;
}

std::string type_name(uint8_t type) {
  switch (type) {
    case kU8:
      return "uint8";
    case kI8:
      return "int8";
    case kI16:
      return "int16";
    case kI32:
      return "int32";
    case kF32:
      return "float32";
    default:
      return "float64";
  }
}

}  // namespace

IdxHeader parse_idx_header(const std::string& bytes, const std::string& label) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4)
    throw FileError(label,
                    "too short for an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  if (p[0] != 0 || p[1] != 0 || element_size(p[2]) == 0 || p[3] == 0 || p[3] > kMaxIdxRank) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "0x%02X%02X%02X%02X", p[0], p[1], p[2], p[3]);
    throw FileError(label, std::string("not an IDX file (magic number ") + magic +
                               "; expected 0x0000TTDD: type 08/09/0B/0C/0D/0E, 1 to 8 dimensions)");
  }
  IdxHeader h;
  h.type = p[2];
  h.element_size = element_size(h.type);
  const int rank = p[3];
  h.data_offset = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < h.data_offset) throw FileError(label, "is truncated inside its header");
  // The element count, computed without overflow: past the file's size it only matters that it is.
  uint64_t count = 1;
  bool beyond = false, empty = false;
  for (int i = 0; i < rank; ++i) {
    const uint64_t e = big_endian(p + 4 + 4 * i, 4);
    h.shape.push_back(static_cast<int64_t>(e));
    empty = empty || e == 0;
    if (e != 0 && count > bytes.size() / e) beyond = true;
    if (!beyond) count *= e;
  }
  if (empty) count = 0;
  const uint64_t have = bytes.size() - h.data_offset;
  if ((beyond && !empty) || count > have / h.element_size) {
    throw FileError(label, "is truncated: its header declares " + to_string(h.shape) + " " +
                               type_name(h.type) + " values, the file holds " +
                               std::to_string(have) + " bytes of data");
  }
  if (count * h.element_size != have) {
    throw FileError(label, "has " + std::to_string(have - count * h.element_size) +
                               " bytes after the values its header declares (" +
                               to_string(h.shape) + ")");
  }
  h.count = count;
  return h;
}

std::vector<float> idx_values(const std::string& bytes, const IdxHeader& h) {
  const size_t n = static_cast<size_t>(h.count);
  std::vector<float> out(n);
  const unsigned char* p = payload(bytes, h);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(value_at(p, h.type, i));
  return out;
}

std::vector<int64_t> idx_labels(const std::string& bytes, const IdxHeader& h,
                                const std::string& label) {
  if (h.type == kF32 || h.type == kF64)
    throw FileError(label, "holds " + type_name(h.type) + " values; labels are integers");
  if (h.shape.size() != 1)
    throw FileError(label, "has shape " + to_string(h.shape) + "; a labels file is 1-D");
  std::vector<int64_t> out(static_cast<size_t>(h.shape[0]));
  const unsigned char* p = payload(bytes, h);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<int64_t>(value_at(p, h.type, i));
    if (out[i] < 0)
      throw FileError(
          label, "holds the negative label " + std::to_string(out[i]) + " at " + std::to_string(i));
  }
  return out;
}

ImportedData parse_idx_pair(const std::string& images, const std::string& labels,
                            const std::string& images_label, const std::string& labels_label) {
  const IdxHeader ih = parse_idx_header(images, images_label);
  const IdxHeader lh = parse_idx_header(labels, labels_label);
  if (ih.shape.size() < 2) {
    throw FileError(images_label, "has shape " + to_string(ih.shape) +
                                      "; an images file is [N, ...] with N samples");
  }
  ImportedData out;
  out.data.labels = idx_labels(labels, lh, labels_label);
  if (lh.shape[0] != ih.shape[0]) {
    throw FileError(labels_label, "holds " + std::to_string(lh.shape[0]) + " labels, " +
                                      images_label + " holds " + std::to_string(ih.shape[0]) +
                                      " images");
  }
  if (ih.shape[0] == 0) throw FileError(images_label, "holds no images");
  for (size_t i = 1; i < ih.shape.size(); ++i) {
    if (ih.shape[i] == 0)
      throw FileError(images_label, "has shape " + to_string(ih.shape) + ": empty images");
  }
  out.data.sample_shape.assign(ih.shape.begin() + 1, ih.shape.end());
  if (out.data.sample_shape.size() == 2)
    out.data.sample_shape.insert(out.data.sample_shape.begin(), 1);
  out.data.x = idx_values(images, ih);
  for (size_t i = 0; i < out.data.x.size(); ++i) {
    if (!std::isfinite(out.data.x[i])) {
      throw FileError(images_label, "holds a non-finite value in image " +
                                        std::to_string(i / numel(out.data.sample_shape)));
    }
  }
  out.source = "IDX: images " + std::filesystem::path(images_label).filename().string() + " (" +
               type_name(ih.type) + " " + to_string(ih.shape) + "), labels " +
               std::filesystem::path(labels_label).filename().string();
  if (ih.type == kU8) {
    out.default_scale = 255;
    out.value_range = "8-bit pixel values 0..255";
  }
  return out;
}

ImportedData import_idx(const std::string& images_path, const std::string& labels_path) {
  return parse_idx_pair(read_maybe_gzip(images_path), read_maybe_gzip(labels_path), images_path,
                        labels_path);
}

}  // namespace hess
