#include "io/npz_import.h"

#include <cmath>
#include <filesystem>

#include "engine/enum_names.h"
#include "engine/field_error.h"
#include "io/compressed_file.h"
#include "io/file_error.h"
#include "io/npy_array.h"
#include "io/zip_archive.h"

namespace hess {

namespace {

constexpr const char* kNpySuffix = ".npy";
constexpr double kEightBitRange = 255;

std::string key_of(const std::string& member) {
  const std::string suffix = kNpySuffix;
  if (member.size() > suffix.size() &&
      member.compare(member.size() - suffix.size(), suffix.size(), suffix) == 0)
    return member.substr(0, member.size() - suffix.size());
  return member;
}

// The member holding array `key` (numpy names it KEY.npy).
const ZipMember& member_of(const ZipArchive& zip, const std::string& key, const std::string& field,
                           const std::string& label) {
  std::string present;
  for (const ZipMember& m : zip.members()) {
    if (m.name == key + kNpySuffix) return m;
    present += (present.empty() ? "'" : ", '") + echoed(key_of(m.name)) + "'";
  }
  throw FieldError(field, "'" + echoed(key) + "' is not an array of " + label + " (it holds " +
                              (present.empty() ? std::string("none") : present) + ")");
}

}  // namespace

void NpzImportOptions::validate() const {
  if (x_key.empty()) throw FieldError("x_key", "must name an array");
  if (y_key.empty()) throw FieldError("y_key", "must name an array");
  if (x_key == y_key) throw FieldError("y_key", "names the same array as {x_key}");
}

ImportedData parse_npz(const std::string& bytes, const NpzImportOptions& o,
                       const std::string& label) {
  o.validate();
  const ZipArchive zip(bytes, label);
  const std::string x_bytes = zip.read(member_of(zip, o.x_key, "x_key", label), kMaxImportBytes);
  const std::string y_bytes = zip.read(member_of(zip, o.y_key, "y_key", label), kMaxImportBytes);
  const NpyArray x = parse_npy(x_bytes, label + ": " + o.x_key);
  const NpyArray y = parse_npy(y_bytes, label + ": " + o.y_key);
  if (x.shape.empty() || x.shape[0] == 0)
    throw FileError(x.label, "has shape " + to_string(x.shape) + "; samples are [N, ...], N > 0");
  for (size_t d = 1; d < x.shape.size(); ++d) {
    if (x.shape[d] == 0)
      throw FileError(x.label, "has shape " + to_string(x.shape) + ": empty samples");
  }
  if (y.shape.empty() || y.shape[0] != x.shape[0]) {
    throw FileError(y.label, "has shape " + to_string(y.shape) + ", " + o.x_key + " holds " +
                                 std::to_string(x.shape[0]) + " samples");
  }
  ImportedData out;
  Dataset& d = out.data;
  d.sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  if (d.sample_shape.empty()) d.sample_shape = {1};
  if (d.sample_shape.size() == 2) d.sample_shape.insert(d.sample_shape.begin(), 1);
  d.x = npy_floats(x);
  const int64_t per = numel(d.sample_shape);
  for (size_t i = 0; i < d.x.size(); ++i) {
    if (!std::isfinite(d.x[i]))
      throw FileError(x.label, "holds a non-finite value in sample " + std::to_string(i / per));
  }
  std::string labels;
  if (is_integer(y)) {
    if (y.shape.size() != 1)
      throw FileError(y.label, "has shape " + to_string(y.shape) + "; class labels are [N]");
    d.labels = npy_integers(y);
    for (size_t i = 0; i < d.labels.size(); ++i) {
      if (d.labels[i] < 0) {
        throw FileError(y.label, "holds the negative label " + std::to_string(d.labels[i]) +
                                     " at " + std::to_string(i));
      }
    }
    labels = "class labels";
  } else {
    if (y.shape.size() > 2)
      throw FileError(y.label,
                      "has shape " + to_string(y.shape) + "; real targets are [N] or [N, k]");
    d.target_dim = y.shape.size() == 2 ? y.shape[1] : 1;
    if (d.target_dim == 0) throw FileError(y.label, "has no targets per sample");
    d.targets = npy_floats(y);
    for (size_t i = 0; i < d.targets.size(); ++i) {
      if (!std::isfinite(d.targets[i])) {
        throw FileError(y.label, "holds a non-finite target in sample " +
                                     std::to_string(i / static_cast<size_t>(d.target_dim)));
      }
    }
    labels = "real targets";
  }
  out.source = "NPZ: " + std::filesystem::path(label).filename().string() + " (" + o.x_key + " " +
               x.descr + " " + to_string(x.shape) + ", " + o.y_key + " " + y.descr + " " +
               to_string(y.shape) + " as " + labels + ")";
  if (x.kind == NpyKind::Unsigned && x.item_size == 1) {
    out.default_scale = kEightBitRange;
    out.value_range = "8-bit values 0..255";
  }
  return out;
}

ImportedData import_npz(const std::string& path, const NpzImportOptions& options) {
  options.validate();
  return parse_npz(read_maybe_gzip(path), options, path);
}

}  // namespace hess
