#pragma once
// Data files: a data set in HDF5 (docs/formats.md, section "Data file"):
//
//   /      format = "hessian-data", version = 1, source, preprocessing (strings)
//   /X     float32 [N, sample...]             the samples (float64 is read too, rounded to float32)
//   /y     int64 [N] class labels (any integer type is read), or float32 [N, k] real targets
//
// Reading checks the types and ranks of X and y, that they hold the same N, that X is finite and
// that labels are non-negative; each fault is one FileError naming the file and the sample:
//
//   hess::write_data("d.h5", data, {"IDX: train-images-idx3-ubyte.gz", "pixels / 255"});
//   hess::Dataset d = hess::read_data("d.h5");
//   // FileError "d.h5: X holds NaN in sample 17"

#include <cstdint>
#include <string>

#include "engine/dataset.h"
#include "io/hdf5_file.h"

namespace hess {

constexpr int64_t kDataFormatVersion = 1;
inline constexpr const char* kDataFormat = "hessian-data";

// Where a data set came from and what was done to it, stored as root attributes.
struct DataProvenance {
  std::string source;
  std::string preprocessing;
};

struct DataFile {
  Dataset data;
  DataProvenance provenance;
};

// Writes `data` to `path` atomically. Throws std::invalid_argument when the data set is
// inconsistent (X not a whole number of samples, labels or targets not matching N), FileError when
// the file cannot be written.
void write_data(const std::string& path, const Dataset& data, const DataProvenance& provenance);
// Reads and checks a data file. Throws FileError naming the file and what is wrong. The file is
// decoded in a child process (io/isolated_read.h), which hands the checked data set back as bytes
// (io/dataset_bytes.h): a file that crashes the HDF5 library is an error, not a crash.
Dataset read_data(const std::string& path);
DataFile read_data_file(const std::string& path);
// The same in this process from an open file (the fuzzers read file images), and the writer's
// schema into an open file.
DataFile read_data_group(const h5::Group& root);
void write_data_group(h5::Group& root, const Dataset& data, const DataProvenance& provenance);

}  // namespace hess
