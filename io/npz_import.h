#pragma once
// numpy .npz files (np.savez, stored; np.savez_compressed, deflated) as data sets: the array named
// `x_key` holds the samples, [N, ...] with N samples (any rank; [N] is one value per sample, and
// [N, H, W] becomes [N, 1, H, W] as IDX images do), of any numeric dtype converted to float32;
// the array named `y_key` holds the labels: an integer (or bool) array [N] is class labels
// (non-negative), a float array [N] or [N, k] real targets (k per sample). Members are read from
// the zip archive (io/zip_archive.h) and parsed as .npy arrays (io/npy_array.h).
//
// A key that is not in the file is a FieldError naming the key's field and the arrays present;
// faults of the file (damaged archive or array, unsupported dtype, sample counts that differ,
// non-finite samples, negative labels) are FileErrors naming the file.
//
//   hess::NpzImportOptions o;                       // X and y
//   hess::ImportedData d = hess::import_npz("mnist.npz", o);

#include <string>

#include "io/imported_data.h"

namespace hess {

struct NpzImportOptions {
  std::string x_key = "X";
  std::string y_key = "y";
  // FieldErrors for an empty key or the same key twice.
  void validate() const;
};

ImportedData import_npz(const std::string& path, const NpzImportOptions& options);
// The same from the archive's bytes (`label` names it in errors; the fuzzer's entry point).
ImportedData parse_npz(const std::string& bytes, const NpzImportOptions& options,
                       const std::string& label);

}  // namespace hess
