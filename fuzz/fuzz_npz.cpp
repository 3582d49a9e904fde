// Fuzzes the .npz reader: the zip archive (io/zip_archive.h), the .npy headers of its members
// X and y (io/npy_array.h) and the data set made of them (io/npz_import.h). Parsing may only
// succeed, with a consistent data set, or throw FileError (a damaged file) or FieldError (no
// array X or y in it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/field_error.h"
#include "io/file_error.h"
#include "io/npz_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const hess::ImportedData d = hess::parse_npz(bytes, hess::NpzImportOptions{}, "f.npz");
    const hess::Dataset& s = d.data;
    const int64_t n = s.size();
    if (n <= 0 || static_cast<int64_t>(s.x.size()) != n * hess::numel(s.sample_shape)) std::abort();
    if (s.has_labels()
            ? static_cast<int64_t>(s.labels.size()) != n
            : s.target_dim <= 0 || static_cast<int64_t>(s.targets.size()) != n * s.target_dim)
      std::abort();
  } catch (const hess::FileError&) {
    // A damaged or unsupported file.
  } catch (const hess::FieldError&) {
    // No array X or y in the archive.
  }
  return 0;
}
