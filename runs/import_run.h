#pragma once
// `hessian import` as a library call: IDX (MNIST family), CSV or numpy .npz files into a data file
// with preprocessing, or an ONNX export into a model file. The output is written atomically: bad
// input leaves no file behind.

#include <optional>
#include <string>

#include "engine/graph_builder.h"
#include "io/csv_import.h"
#include "io/npz_import.h"
#include "io/preprocess.h"
#include "io/record.h"

namespace hess::runs {

struct ImportRun {
  // A data import: IDX images and labels, a CSV file, or a numpy .npz file.
  std::string idx, labels, csv, npz;
  CsvImportOptions csv_options;
  NpzImportOptions npz_options;
  PreprocessOptions preprocess;  // its scale is `scale`, or the importer's default
  std::optional<double> scale;
  // Or a model import.
  std::string onnx;
  LossKind loss = LossKind::CrossEntropy;
  Shape sample_shape;  // fills symbolic extents of the ONNX graph input
  std::string out;
  // FieldErrors for a missing or doubled input, or settings that belong to the other kind.
  void validate() const;
};

Record import(const ImportRun& run);

}  // namespace hess::runs
