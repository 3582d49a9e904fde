#pragma once
// An HDF5 dataset read and written with checks, so a hostile file never makes the reader allocate
// more than the file can hold:
//
//   - contiguous storage must lie inside the file (offset + declared bytes <= file size);
//   - chunked (possibly compressed) storage may declare at most kMaxExpansion times the file's size
//     (deflate cannot expand more than about 1,032:1);
//   - virtual datasets and external raw-data files are refused (they would read other files).
//
//   hess::h5::Dataset d = file.dataset("X");
//   hess::Shape s = d.shape();                         // [N, 1, 28, 28]
//   if (d.dtype().cls != hess::h5::DType::Float) d.fail("X has dtype " + d.dtype().name());
//   std::vector<float> x = d.read<float>();            // converted by HDF5 from the file's type

#include <cstdint>
#include <string>
#include <vector>

#include "io/hdf5_object.h"

namespace hess::h5 {

// The most a chunked dataset may declare, relative to the file's size.
constexpr uint64_t kMaxExpansion = 1100;

class Dataset : public Object {
 public:
  Dataset(std::shared_ptr<const FileInfo> info, Handle handle, std::string path)
      : Object(std::move(info), std::move(handle), std::move(path)) {}

  std::vector<int64_t> shape() const;
  int64_t count() const;  // number of elements
  DType dtype() const;

  // All elements converted to T (float, double, int64_t); strings for read_strings. Throws
  // FileError naming the dataset when its storage is unreadable or larger than the file allows.
  template <class T>
  std::vector<T> read() const;
  std::vector<std::string> read_strings() const;

  // Writes `count` elements starting at flat (row-major) index `first`.
  void write_range(int64_t first, const double* values, int64_t count);
  // Reads `count` elements starting at flat index `first`.
  std::vector<double> read_range(int64_t first, int64_t count) const;
  // Adds `count` values at the end of a 1-D dataset made by Group::create_growable.
  void append(const double* values, int64_t count);

 private:
  // Checks that reading every element into `mem_size`-byte slots is plausible for this file.
  void check_storage(size_t mem_size) const;
};

}  // namespace hess::h5
