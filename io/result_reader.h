#pragma once
// Reading result files (io/result_file.h): the groups, their arrays, attributes and metadata. Used
// by tests, `hessian report` and anyone post-processing results in C++ (h5py works as well).
//
//   hess::ResultReader r("results.h5");                  // FileError when not a result file
//   for (const std::string& name : r.groups()) { ... }   // "eigen", "trace", ...
//   hess::ResultGroupView g = r.group("eigen");
//   std::vector<double> ev = g.values("eigenvalues");
//   hess::ResultArray V = g.array("eigenvectors");       // shape [k, P]
//   int64_t k = g.h5().int_attr("k");
//   hess::ResultMetadata m = g.metadata();
//
// The constructor reads in this process; ResultReader::isolated reads a file that may be hostile.

#include <memory>
#include <string>
#include <vector>

#include "io/result_file.h"

namespace hess {

struct ResultArray {
  Shape shape;
  std::vector<double> values;  // row-major
};

class ResultGroupView {
 public:
  explicit ResultGroupView(h5::Group g) : group_(std::move(g)) {}

  // Names of the datasets in the group, sorted.
  std::vector<std::string> datasets() const;
  bool has_dataset(const std::string& name) const { return group_.has_dataset(name); }
  // A float64 dataset, or empty when the group has none of that name.
  std::vector<double> values_or_empty(const std::string& name) const {
    return has_dataset(name) ? values(name) : std::vector<double>{};
  }
  // A numeric dataset as doubles (integers converted).
  ResultArray array(const std::string& name) const;
  std::vector<double> values(const std::string& name) const { return array(name).values; }
  std::vector<int64_t> ints(const std::string& name) const;
  std::vector<std::string> strings(const std::string& name) const;
  // The metadata attributes; FileError naming the group when one is missing.
  ResultMetadata metadata() const;
  const h5::Group& h5() const { return group_; }

 private:
  h5::Group group_;
};

class ResultReader {
 public:
  explicit ResultReader(const std::string& path);
  // An opened file (e.g. h5::File::open_image, as the fuzzer does); checked the same way.
  explicit ResultReader(h5::File file);
  // A file that may be hostile (an existing --out, a progress file): checked and copied in a child
  // process (io/isolated_read.h) and read from that copy, so a file that crashes or hangs the HDF5
  // library is a FileError ("FILE: the HDF5 library failed on it ..."), never a crash or a hang.
  static ResultReader isolated(const std::string& path);
  std::vector<std::string> groups() const { return file_->children(); }
  bool has_group(const std::string& name) const { return file_->has_group(name); }
  ResultGroupView group(const std::string& name) const {
    return ResultGroupView(file_->group(name));
  }

 private:
  std::unique_ptr<h5::File> file_;
};

}  // namespace hess
