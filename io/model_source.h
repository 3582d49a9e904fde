#pragma once
// Opening a model by its path: a model file (HDF5, io/model_file.h) or, for a name ending in
// ".onnx", an export from PyTorch (io/onnx/onnx_import.h), with the loss appended. A build without
// the ONNX importer says so in the error.
//
//   hess::ModelSourceOptions o;
//   o.loss = hess::LossKind::CrossEntropy;
//   o.sample_shape_hint = data.sample_shape;   // fills an ONNX input's symbolic extents
//   hess::OpenedModel m = hess::open_model("resnet.onnx", o);
//   for (const std::string& w : m.warnings) ...  // e.g. an export that folded BatchNorm
//
// Errors are FileErrors (or OnnxImportErrors) naming the file.

#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/graph_builder.h"

namespace hess {

struct ModelSourceOptions {
  LossKind loss = LossKind::CrossEntropy;  // appended to ONNX models (a model file holds its own)
  Shape sample_shape_hint;                 // the data's sample shape, when known
};

struct OpenedModel {
  Model model;
  std::vector<std::string> warnings;  // one line each, naming the file
};

// Whether `path` names an ONNX export (its name ends in ".onnx").
bool is_onnx_path(const std::string& path);
// Whether this build imports ONNX models.
bool onnx_import_available();

OpenedModel open_model(const std::string& path, const ModelSourceOptions& options);

// The warning for an ONNX model whose parameters carry names the exporter made up
// ("onnx::Conv_26"): it was exported with constant folding or in eval mode, which folds BatchNorm
// into the convolutions, so its curvature is not the trained model's. Empty when the names are
// the state_dict's.
std::string exporter_names_warning(const std::string& path, const Graph& graph);

}  // namespace hess
